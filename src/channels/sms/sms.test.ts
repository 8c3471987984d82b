import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwilioPeer, type TwilioPeer } from "./twilio.peer.js";
import type { ChannelMessage, SendContext } from "../../core/channels/define.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { renderContent } from "../../core/rendering.js";
import { smsChannel } from "./sms.js";
import { createSendContext } from "../../core/channels/send-context.js";

let peer: TwilioPeer;
beforeAll(async () => {
  peer = await startTwilioPeer();
});
afterAll(() => peer.close());

const ctx: SendContext = createSendContext({ allowPrivateNetwork: true });
let n = 0;
const message = (text: string, phone: string | null = "+447700900123", address?: string): ChannelMessage<{ text: string }> => ({
  notificationId: `ntf_${++n}`,
  deliveryId: `dlv_${n}`,
  eventId: `evt_${n}`,
  subscriber: { id: "carol", name: null, email: null, phone, locale: null },
  content: { text },
  data: {},
  critical: false,
  category: "orders",
  ...(address ? { address } : {}),
});
const build = (env: Record<string, string> = {}) => createChannelRegistry([smsChannel], peer.env(env)).get("sms")!.instance!;

describe("sms channel", () => {
  it("declares plain-text content, quiet-hours deferral and the subscriber's phone as its address", () => {
    expect(smsChannel.plainTextFields).toEqual(["text"]);
    expect(smsChannel.quietHours).toBe("defer");
    expect(smsChannel.address!({ id: "s", name: null, email: "x@example.com", phone: "+79161234567", locale: null })).toBe("+79161234567");
    expect(smsChannel.address!({ id: "s", name: null, email: "x@example.com", phone: null, locale: null })).toBeNull();
  });

  it("renders placeholders in the text without HTML escaping", () => {
    const rendered = renderContent({ text: "{{data.shop}}: order {{data.id}} <ready>" }, { data: { shop: "Tom & Jerry's", id: "A<1>" }, subscriber: { id: "s" }, event: { id: "e", type: "t" }, notification: { id: "n" } }, smsChannel.plainTextFields);
    expect(rendered).toEqual({ text: "Tom & Jerry's: order A<1> <ready>" });
  });

  it("describes encoding, segments and characters for previews (Cyrillic costs more)", () => {
    expect(smsChannel.describe!({ text: "Your order 1234 is on its way" })).toMatchObject({ encoding: "GSM-7", segments: 1, characters: 29 });
    const ru = "Ваш заказ 1234 передан курьеру. Он приедет сегодня с 14:00 до 16:00, спасибо!";
    expect(smsChannel.describe!({ text: ru })).toMatchObject({ encoding: "UCS-2", segments: 2, characters: [...ru].length });
    expect(smsChannel.describe!({})).toEqual({});
  });

  it("refuses numbers that are missing or not E.164 as final and undeliverable, without calling the provider", async () => {
    const before = peer.messages.length;
    for (const phone of [null, "89161234567", "+0123", "+7 916 123 45 67", "+1234567890123456", "tel:+79161234567"]) {
      const result = await build().send(message("hi", phone), ctx);
      expect(result, String(phone)).toMatchObject({ ok: false, retryable: false, undeliverable: true, code: phone === null ? "no_address" : "invalid_address" });
    }
    expect(peer.messages.length).toBe(before);
  });

  it("sends to the address the engine resolved when it gives one", async () => {
    expect(await build().send(message("hi", "+447700900123", "+447700900999"), ctx)).toMatchObject({ ok: true });
    expect(peer.messages.at(-1)!.to).toBe("+447700900999");
  });

  it("refuses a text over SMS_MAX_SEGMENTS by default, saying why", async () => {
    const before = peer.messages.length;
    const result = await build({ SMS_MAX_SEGMENTS: "2" }).send(message("ж".repeat(135)), ctx);
    expect(result).toMatchObject({ ok: false, code: "too_long", retryable: false });
    expect((result as { message: string }).message).toBe("the SMS needs 3 UCS-2 parts (135 characters), more than SMS_MAX_SEGMENTS=2");
    expect(peer.messages.length).toBe(before);
    expect(await build({ SMS_MAX_SEGMENTS: "2" }).send(message("ж".repeat(134)), ctx)).toMatchObject({ ok: true });
  });

  it("truncates to the limit instead when SMS_OVER_LIMIT=truncate, never splitting an emoji", async () => {
    const text = "ж".repeat(69) + "👍" + "tail";
    expect(await build({ SMS_MAX_SEGMENTS: "1", SMS_OVER_LIMIT: "truncate" }).send(message(text), ctx)).toMatchObject({ ok: true });
    expect(peer.messages.at(-1)!.body).toBe("ж".repeat(69));
  });

  it("applies SMS_MAX_CHARACTERS and Twilio's 1,600-character cap before calling Twilio", async () => {
    const before = peer.messages.length;
    expect(await build({ SMS_MAX_CHARACTERS: "20" }).send(message("a".repeat(21)), ctx)).toMatchObject({ ok: false, code: "too_long", message: "the SMS has 21 characters, more than SMS_MAX_CHARACTERS=20" });
    expect(await build({ SMS_MAX_SEGMENTS: "30" }).send(message("a".repeat(1700)), ctx)).toMatchObject({ ok: false, code: "too_long", retryable: false });
    expect(peer.messages.length).toBe(before);
    expect(await build({ SMS_MAX_SEGMENTS: "30", SMS_OVER_LIMIT: "truncate" }).send(message("a".repeat(1700)), ctx)).toMatchObject({ ok: true });
    expect(peer.messages.at(-1)!.body).toHaveLength(1600);
  });

  it("refuses an empty text as final", async () => {
    expect(await build().send(message("   "), ctx)).toMatchObject({ ok: false, code: "empty_message", retryable: false });
  });

  it("chooses the provider from configuration, lists what is missing, and refuses malformed values at start-up", () => {
    const missing = (env: Record<string, string>) => createChannelRegistry([smsChannel], env).get("sms")!;
    expect(missing({})).toMatchObject({ instance: undefined, missing: ["TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or SMS_GATEWAY_URL"] });
    expect(missing({ TWILIO_ACCOUNT_SID: peer.accountSid }).missing).toEqual(["TWILIO_AUTH_TOKEN", "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"]);
    expect(missing({ TWILIO_ACCOUNT_SID: peer.accountSid, TWILIO_AUTH_TOKEN: "t" }).missing).toEqual(["TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"]);
    expect(missing({ SMS_PROVIDER: "gateway" }).missing).toEqual(["SMS_GATEWAY_URL"]);
    expect(missing(peer.env()).missing).toEqual([]);

    const only = (env: Record<string, string>) => () => createChannelRegistry([smsChannel], env);
    expect(only({ TWILIO_ACCOUNT_SID: "nope", TWILIO_AUTH_TOKEN: "t", TWILIO_FROM: "+1" })).toThrow(/AC followed by 32 hex/);
    expect(only({ SMS_PROVIDER: "carrier-pigeon" })).toThrow(/SMS_PROVIDER/);
    expect(only({ ...peer.env(), SMS_MAX_SEGMENTS: "0" })).toThrow(/SMS_MAX_SEGMENTS/);
    expect(only({ ...peer.env(), SMS_OVER_LIMIT: "shrug" })).toThrow(/SMS_OVER_LIMIT/);
    // Checked by their declarations (choices, patterns, integer ranges), by one routine for every channel.
    expect(only({ ...peer.env(), SMS_MAX_SEGMENTS: "2.5" })).toThrow("SMS_MAX_SEGMENTS: must be a whole number");
    expect(only({ ...peer.env(), SMS_MAX_CHARACTERS: "0" })).toThrow("SMS_MAX_CHARACTERS: must be at least 1");
    expect(only({ ...peer.env(), TWILIO_MESSAGING_SERVICE_SID: "MG12" })).toThrow("TWILIO_MESSAGING_SERVICE_SID: must be MG followed by 32 hex digits");
    expect(only({ SMS_GATEWAY_URL: "http://127.0.0.1:9/x", SMS_GATEWAY_FORMAT: "xml" })).toThrow("SMS_GATEWAY_FORMAT: must be json or form");
    expect(only({ SMS_PROVIDER: "Gateway", SMS_GATEWAY_URL: "http://127.0.0.1:9/x", SMS_GATEWAY_METHOD: "put" })()).toBeDefined();
    // Twilio wins when both are set, unless SMS_PROVIDER says otherwise.
    expect(createChannelRegistry([smsChannel], { ...peer.env(), SMS_GATEWAY_URL: "http://127.0.0.1:9/x" }).get("sms")!.instance!.webhook).toBeDefined();
    expect(createChannelRegistry([smsChannel], { ...peer.env(), SMS_GATEWAY_URL: "http://127.0.0.1:9/x", SMS_PROVIDER: "gateway" }).get("sms")!.instance!.webhook).toBeUndefined();
  });

  it("fails as not configured, finally, if built without a provider anyway", async () => {
    const instance = smsChannel.create({} as Parameters<typeof smsChannel.create>[0], { links: { webhook: () => "", publicUrl: () => "" } } as unknown as Parameters<typeof smsChannel.create>[1]);
    expect(await instance.send(message("hi"), ctx)).toMatchObject({ ok: false, code: "not_configured", retryable: false });
  });
});
