import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import { startTwilioPeer, twilioSign, type TwilioPeer } from "./twilio.peer.js";
import type { ChannelInstance, ChannelMessage, EngineServices, SendContext, WebhookResult } from "../../core/channels/define.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { smsChannel } from "./sms.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { scriptControls } from "../shared/scripted.peer.js";

/**
 * Stands in for the engine's `POST /v1/channels/sms/webhook`: hands the channel the URL as called,
 * the raw body and the headers, answers with the channel's status, and keeps what it reported.
 */
async function startWebhookBridge() {
  const results: WebhookResult[] = [];
  let instance: ChannelInstance<unknown> | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const result = await instance!.webhook!({ url: `${bridge.url}${req.url}`, method: req.method!, headers, body: Buffer.concat(chunks).toString("utf8") }, ctx);
    results.push(result);
    res.writeHead(result.status, result.contentType ? { "content-type": result.contentType } : {});
    res.end(result.body ?? "");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const bridge = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    results,
    attach: (i: ChannelInstance<unknown>) => void (instance = i),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return bridge;
}

const ctx: SendContext = createSendContext({ allowPrivateNetwork: true });

function servicesFor(webhookBase: () => string): EngineServices {
  const unavailable = () => Promise.reject(new Error("not used by sms"));
  return {
    realtime: { deliverNotification: unavailable },
    push: { vapid: { publicKey: "", privateKey: "", subject: "" }, subscriptions: unavailable, remove: unavailable, succeeded: unavailable, unreadCount: unavailable, receiptToken: unavailable },
    links: { publicUrl: webhookBase, webhook: (id) => `${webhookBase()}/v1/channels/${id}/webhook` },
  };
}

let n = 0;
function message(phone: string | null, text: string): ChannelMessage<{ text: string }> {
  n++;
  return {
    notificationId: `ntf_sms_${n}`,
    deliveryId: `dlv_${n}`,
    eventId: `evt_${n}`,
    subscriber: { id: "alice", name: "Alice", email: null, phone, locale: "ru" },
    content: { text },
    data: {},
    critical: true,
    category: "orders",
  };
}

let peer: TwilioPeer;
let bridge: Awaited<ReturnType<typeof startWebhookBridge>>;
beforeAll(async () => {
  [peer, bridge] = await Promise.all([startTwilioPeer(), startWebhookBridge()]);
});
afterAll(() => Promise.all([peer.close(), bridge.close()]));

channelConformance({
  channel: smsChannel,
  content: { text: "Order #1234 is with the courier" },
  timeoutEnv: "SMS_TIMEOUT_MS",
  peer: () => ({
    env: peer.env(),
    unreachableEnv: peer.env({ TWILIO_API_URL: "http://127.0.0.1:9" }),
    ...scriptControls(peer),
    acceptedIds: () => peer.messages.map((m) => m.notificationId ?? ""),
  }),
});

describe("sms over Twilio", () => {
  const build = (env: Record<string, string> = {}) => {
    const instance = createChannelRegistry([smsChannel], peer.env(env), servicesFor(() => bridge.url)).get("sms")!.instance!;
    bridge.attach(instance);
    return instance;
  };

  it("posts the documented form fields with Basic auth and keeps Twilio's message sid", async () => {
    const result = await build().send(message("+79161234567", "Заказ 1234 в пути & скоро будет <b>"), ctx);
    const sent = peer.messages.at(-1)!;
    expect(result).toEqual({ ok: true, providerMessageId: sent.sid });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent).toMatchObject({ to: "+79161234567", from: peer.from, body: "Заказ 1234 в пути & скоро будет <b>", statusCallback: `${bridge.url}/v1/channels/sms/webhook` });
    expect(sent.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("sends through a Messaging Service, and without StatusCallback when turned off", async () => {
    const mg = "MG" + "ab".repeat(16);
    const result = await build({ TWILIO_FROM: "", TWILIO_MESSAGING_SERVICE_SID: mg, SMS_STATUS_CALLBACK: "0" }).send(message("+15005550006", "hi"), ctx);
    expect(result).toMatchObject({ ok: true });
    expect(peer.messages.at(-1)).toMatchObject({ messagingServiceSid: mg, from: null, statusCallback: null });
  });

  it("reports refused credentials as final, not retryable", async () => {
    const result = await build({ TWILIO_AUTH_TOKEN: "wrong-token" }).send(message("+15005550006", "hi"), ctx);
    expect(result).toMatchObject({ ok: false, code: "http_401", retryable: false });
    expect((result as { message: string }).message).toMatch(/credentials.*20003/);
    expect((result as { message: string }).message).not.toContain("wrong-token");
  });

  it("marks numbers Twilio calls invalid, opted out or not mobile as undeliverable, and the rest as plain failures", async () => {
    const instance = build();
    for (const [to, code] of [["+15005550001", 21211], ["+15005550004", 21610], ["+15005550009", 21614], ["+15005550002", 21612]] as const) {
      const result = await instance.send(message(to, "hi"), ctx);
      expect(result, to).toMatchObject({ ok: false, code: "http_400", retryable: false, undeliverable: true });
      expect((result as { message: string }).message).toContain(`Twilio error ${code}`);
      expect((result as { message: string }).message).toContain(`https://www.twilio.com/docs/errors/${code}`);
    }
    // No permission for the region: an account setting, not the recipient's fault.
    const region = await instance.send(message("+15005550003", "hi"), ctx);
    expect(region).toMatchObject({ ok: false, retryable: false });
    expect((region as { undeliverable?: boolean }).undeliverable).toBeUndefined();
  });

  it("retries 429 and 5xx, honouring Retry-After", async () => {
    peer.script.push({ status: 429, retryAfter: "3" });
    expect(await build().send(message("+15005550006", "hi"), ctx)).toMatchObject({ ok: false, code: "http_429", retryable: true, retryAfterMs: 3000 });
    peer.script.push({ status: 500 });
    expect(await build().send(message("+15005550006", "hi"), ctx)).toMatchObject({ ok: false, code: "http_500", retryable: true });
  });

  it("turns signed status callbacks into delivery reports and opted-out numbers into undeliverable addresses", async () => {
    const instance = build();
    const ok = await instance.send(message("+79161234567", "one"), ctx);
    const bad = await instance.send(message("+79160000000", "two"), ctx);
    const sidOk = (ok as { providerMessageId: string }).providerMessageId;
    const sidBad = (bad as { providerMessageId: string }).providerMessageId;

    expect((await peer.sendStatus(sidOk, "sent")).status).toBe(204);
    expect(bridge.results.at(-1)).toEqual({ status: 204 });
    expect((await peer.sendStatus(sidOk, "delivered")).status).toBe(204);
    expect(bridge.results.at(-1)!.reports).toEqual([{ providerMessageId: sidOk, status: "delivered" }]);

    expect((await peer.sendStatus(sidBad, "undelivered", { errorCode: 30006 })).status).toBe(204);
    expect(bridge.results.at(-1)).toMatchObject({
      reports: [{ providerMessageId: sidBad, status: "failed", reason: "Twilio undelivered, error 30006" }],
      undeliverable: [{ address: "+79160000000", reason: "Twilio undelivered, error 30006" }],
    });

    // A carrier hiccup fails the message (the fallback starts) but does not condemn the number.
    await peer.sendStatus(sidBad, "failed", { errorCode: 30008 });
    expect(bridge.results.at(-1)!.reports).toEqual([{ providerMessageId: sidBad, status: "failed", reason: "Twilio failed, error 30008" }]);
    expect(bridge.results.at(-1)!.undeliverable).toBeUndefined();
  });

  it("answers 403 to unsigned, forged or tampered callbacks and reports nothing", async () => {
    const instance = build();
    const sent = await instance.send(message("+79161234567", "x"), ctx);
    const sid = (sent as { providerMessageId: string }).providerMessageId;
    const url = `${bridge.url}/v1/channels/sms/webhook`;
    const params = { MessageSid: sid, MessageStatus: "delivered", To: "+79161234567", AccountSid: peer.accountSid };
    const post = (headers: Record<string, string>, body = new URLSearchParams(params).toString(), target = url) =>
      fetch(target, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
    const before = bridge.results.length;

    expect((await post({})).status).toBe(403);
    expect((await post({ "x-twilio-signature": twilioSign("not-the-token", url, params) })).status).toBe(403);
    const good = twilioSign(peer.authToken, url, params);
    expect((await post({ "x-twilio-signature": good }, new URLSearchParams({ ...params, MessageStatus: "failed" }).toString())).status).toBe(403);
    expect((await post({ "x-twilio-signature": good }, undefined, `${url}?x=1`)).status).toBe(403);
    const refused = bridge.results.slice(before);
    expect(refused.every((r) => r.status === 403 && !r.reports && !r.undeliverable)).toBe(true);

    expect((await post({ "x-twilio-signature": good })).status).toBe(204);
  });
});
