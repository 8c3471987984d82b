import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import type { ChannelMessage } from "../../core/channels/define.js";
import { renderChannelContent } from "../../core/channels/content.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { generateWebhookSecret } from "../../lib/standard-webhooks.js";
import { scriptControls } from "../shared/scripted.peer.js";
import { webhookChannel } from "./webhook.js";
import { startWebhookPeer, type WebhookPeer } from "./webhook.peer.js";

const secret = generateWebhookSecret();
let peer: WebhookPeer;
beforeAll(async () => {
  peer = await startWebhookPeer(secret);
});
afterAll(() => peer.close());

channelConformance({
  channel: webhookChannel,
  content: { url: "/hooks/orders", body: { type: "order.shipped", order: "1234" } },
  timeoutEnv: "WEBHOOK_TIMEOUT_MS",
  peer: () => ({
    env: { WEBHOOK_SECRET: secret, WEBHOOK_BASE_URL: peer.url },
    unreachableEnv: { WEBHOOK_SECRET: secret, WEBHOOK_BASE_URL: "http://127.0.0.1:9" },
    ...scriptControls(peer),
    acceptedIds: () => peer.received.map((r) => r.id),
  }),
});

const base = { deliveryId: "d", eventId: "evt_1", data: {}, critical: false, category: "test", subscriber: { id: "s-1", name: null, email: null, phone: null, locale: null } };
const ctx = createSendContext({ allowPrivateNetwork: true });
const instance = (env: Record<string, string> = {}) => createChannelRegistry([webhookChannel], { WEBHOOK_SECRET: secret, ...env }).get("webhook")!.instance!;
const send = (content: unknown, notificationId: string, env?: Record<string, string>) =>
  instance(env).send({ ...base, notificationId, content } as ChannelMessage<never>, ctx);

describe("webhook channel", () => {
  it("renders the templated URL and JSON body, escaping for JSON rather than HTML, and the receiver verifies the signature", async () => {
    const template = { url: "{{subscriber.data.hook}}/orders/{{data.order}}", body: { text: "{{data.note}}", order: "{{data.order}}", items: ["{{data.sku}}"], count: 2, paid: true } };
    const context = {
      data: { order: "1234", note: 'He said "hi" & left <b>\\', sku: "A-1" },
      subscriber: { id: "s-1", data: { hook: `${peer.url}/crm` } },
      event: { id: "evt_1", type: "order.shipped" },
      notification: { id: "ntf_render_1" },
    };
    const rendered = await renderChannelContent(webhookChannel, template, context);
    expect(rendered.ok).toBe(true);
    const result = await send((rendered as { content: unknown }).content, "ntf_render_1");
    expect(result).toEqual({ ok: true, providerMessageId: undefined });
    const got = peer.received.find((r) => r.id === "ntf_render_1")!;
    expect(got.path).toBe("/crm/orders/1234");
    expect(got.body).toEqual({ text: 'He said "hi" & left <b>\\', order: "1234", items: ["A-1"], count: 2, paid: true });
    expect(Math.abs(got.timestamp - Date.now() / 1000)).toBeLessThan(30);
    expect(peer.refused).toEqual([]);
  });

  it("keeps the notification id as webhook-id on a retry, so the receiver records the message once", async () => {
    peer.script.push({ status: 503 });
    const first = await send({ url: `${peer.url}/hooks`, body: { n: 1 } }, "ntf_retry_1");
    expect(first).toMatchObject({ ok: false, retryable: true, code: "http_503" });
    expect(await send({ url: `${peer.url}/hooks`, body: { n: 1 } }, "ntf_retry_1")).toMatchObject({ ok: true });
    expect(await send({ url: `${peer.url}/hooks`, body: { n: 1 } }, "ntf_retry_1")).toMatchObject({ ok: true });
    expect(peer.requests.filter((r) => r.id === "ntf_retry_1").map((r) => r.status)).toEqual([503, 204, 204]);
    expect(peer.received.filter((r) => r.id === "ntf_retry_1")).toHaveLength(1);
  });

  it("is refused by the receiver when signed with another secret (a final failure)", async () => {
    const before = peer.refused.length;
    const result = await send({ url: `${peer.url}/hooks`, body: { n: 1 } }, "ntf_wrong_secret", { WEBHOOK_SECRET: generateWebhookSecret() });
    expect(result).toMatchObject({ ok: false, retryable: false, code: "http_401" });
    expect(peer.refused.length).toBe(before + 1);
  });

  it("fails finally, without a request, for a rendered URL that is not http(s) or a body over the limit", async () => {
    const count = peer.requests.length;
    for (const url of ["", "not a url", "ftp://example.com/x", "javascript:alert(1)", "/relative-without-base"]) {
      expect(await send({ url, body: {} }, `ntf_bad_${url}`)).toMatchObject({ ok: false, retryable: false, code: "invalid_url" });
    }
    expect(await send({ url: `${peer.url}/hooks`, body: { big: "x".repeat(300 * 1024) } }, "ntf_big")).toMatchObject({ ok: false, retryable: false, code: "payload_too_large" });
    expect(peer.requests.length).toBe(count);
  });

  it("refuses a private target URL unless private networks are allowed (the guard applies to the rendered URL)", async () => {
    const guarded = createSendContext({ allowPrivateNetwork: false });
    for (const url of ["http://127.0.0.1:1/x", "http://[::1]/x", "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook", "http://localhost/x"]) {
      const result = await instance().send({ ...base, notificationId: "ntf_ssrf", content: { url, body: {} } } as ChannelMessage<never>, guarded);
      expect(result, url).toMatchObject({ ok: false, retryable: false, code: "blocked_address" });
    }
  });

  it("accepts JSON object or array bodies and refuses a text body or unknown fields when the template is saved", () => {
    expect(webhookChannel.content.safeParse({ url: "https://x.example", body: { a: 1 } }).success).toBe(true);
    expect(webhookChannel.content.safeParse({ url: "https://x.example", body: [1, "{{data.a}}"] }).success).toBe(true);
    expect(webhookChannel.content.safeParse({ url: "https://x.example", body: '{"a": "{{data.a}}"}' }).success).toBe(false);
    expect(webhookChannel.content.safeParse({ url: "https://x.example", body: {}, method: "PUT" }).success).toBe(false);
    expect(webhookChannel.content.safeParse({ body: {} }).success).toBe(false);
  });

  it("refuses a secret that is not whsec_ base64 at start-up without echoing it", () => {
    expect(() => createChannelRegistry([webhookChannel], { WEBHOOK_SECRET: "hunter2-plain" })).toThrow(/WEBHOOK_SECRET/);
    try {
      createChannelRegistry([webhookChannel], { WEBHOOK_SECRET: "hunter2-plain" });
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
