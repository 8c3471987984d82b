import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import { startSmsGatewayPeer, type SmsGatewayPeer } from "./gateway.peer.js";
import type { ChannelMessage, SendContext } from "../../core/channels/define.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { smsChannel } from "./sms.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { scriptControls } from "../shared/scripted.peer.js";

let peer: SmsGatewayPeer;
beforeAll(async () => {
  peer = await startSmsGatewayPeer();
});
afterAll(() => peer.close());

channelConformance({
  channel: smsChannel,
  content: { text: "Order #1234 is with the courier" },
  timeoutEnv: "SMS_TIMEOUT_MS",
  peer: () => ({
    env: peer.env(),
    unreachableEnv: peer.env({ SMS_GATEWAY_URL: "http://127.0.0.1:9/api/v1/sms" }),
    ...scriptControls(peer),
    acceptedIds: () => peer.received.map((m) => m.ref ?? ""),
  }),
});

const ctx: SendContext = createSendContext({ allowPrivateNetwork: true });
let n = 0;
const message = (text: string, phone = "+79161234567"): ChannelMessage<{ text: string }> => ({
  notificationId: `ntf_gw_${++n}`,
  deliveryId: `dlv_${n}`,
  eventId: `evt_${n}`,
  subscriber: { id: "bob", name: null, email: null, phone, locale: null },
  content: { text },
  data: {},
  critical: false,
  category: "promo",
});
const build = (env: Record<string, string>) => createChannelRegistry([smsChannel], env).get("sms")!.instance!;

describe("sms over a generic HTTP gateway", () => {
  it("fills the JSON body template, sends the configured headers and reads the message id from the answer", async () => {
    const result = await build(peer.env()).send(message("Hi"), ctx);
    const got = peer.received.at(-1)!;
    expect(result).toEqual({ ok: true, providerMessageId: got.messageId });
    expect(got).toMatchObject({ route: "api", phone: "+79161234567", message: "Hi", ref: `ntf_gw_${n}`, contentType: "application/json" });
  });

  it("keeps quotes, backslashes, braces, newlines and HTML in the text intact: values are encoded, never spliced", async () => {
    const text = `He said "stop", then \\n {{to}} </script> & 'ok'\n€ 👍 Заказ`;
    expect(await build(peer.env()).send(message(text), ctx)).toMatchObject({ ok: true });
    expect(peer.received.at(-1)!.message).toBe(text);
  });

  it("sends form fields when SMS_GATEWAY_FORMAT=form", async () => {
    expect(await build(peer.env({ SMS_GATEWAY_FORMAT: "form" })).send(message("a=b&c=d +1"), ctx)).toMatchObject({ ok: true });
    expect(peer.received.at(-1)).toMatchObject({ message: "a=b&c=d +1", contentType: "application/x-www-form-urlencoded" });
  });

  it("speaks Kannel's GET sendsms with fields in the query, and succeeds on 202 text without an id", async () => {
    const env = {
      // Credentials go in the URL (a secret setting, masked), not in the body template (shown to admins).
      SMS_GATEWAY_URL: `${peer.url}/cgi-bin/sendsms?username=herald&password=${peer.apiKey}`,
      SMS_GATEWAY_METHOD: "GET",
      SMS_GATEWAY_BODY: JSON.stringify({ to: "{{to}}", text: "{{text}}", "dlr-id": "{{id}}" }),
    };
    const result = await build(env).send(message("Код 1234 & #хэш"), ctx);
    expect(result).toEqual({ ok: true, providerMessageId: undefined });
    expect(peer.received.at(-1)).toMatchObject({ route: "kannel", phone: "+79161234567", message: "Код 1234 & #хэш", ref: `ntf_gw_${n}` });
    expect(JSON.stringify(createChannelRegistry([smsChannel], env).describe())).not.toContain(peer.apiKey);
  });

  it("reports the gateway's refusal as a final failure with its reason", async () => {
    const result = await build(peer.env({ SMS_GATEWAY_HEADERS: '{"x-api-key":"wrong"}' })).send(message("x"), ctx);
    expect(result).toMatchObject({ ok: false, code: "http_401", retryable: false });
    expect((result as { message: string }).message).toContain("invalid api key");
  });

  it("refuses broken configuration at start-up without echoing secrets", () => {
    const attempt = (env: Record<string, string>) => () => createChannelRegistry([smsChannel], peer.env(env));
    expect(attempt({ SMS_GATEWAY_HEADERS: "{secret-key" })).toThrow(/SMS_GATEWAY_HEADERS: is not valid JSON/);
    expect(attempt({ SMS_GATEWAY_HEADERS: '{"x":1}' })).toThrow(/JSON object of header names to string values/);
    expect(attempt({ SMS_GATEWAY_BODY: '{"text":"{{#if}}"}' })).toThrow(/SMS_GATEWAY_BODY\.text/);
    expect(attempt({ SMS_GATEWAY_FORMAT: "form", SMS_GATEWAY_BODY: '{"a":{"b":"{{to}}"}}' })).toThrow(/flat JSON object/);
    expect(attempt({ SMS_GATEWAY_METHOD: "DELETE" })).toThrow(/SMS_GATEWAY_METHOD/);
    try {
      attempt({ SMS_GATEWAY_HEADERS: "{secret-key" })();
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-key");
    }
  });

  it("sends nested JSON bodies (arrays, numbers, booleans kept as they are)", async () => {
    const env = peer.env({ SMS_GATEWAY_BODY: JSON.stringify({ phone: "{{to}}", message: "[{{id}}] {{text}}", ref: "{{id}}", meta: { priority: 1, flash: false, tags: ["herald"] } }) });
    expect(await build(env).send(message("nested"), ctx)).toMatchObject({ ok: true });
    expect(peer.received.at(-1)!.message).toBe(`[ntf_gw_${n}] nested`);
  });
});
