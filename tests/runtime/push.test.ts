/**
 * Web push on the other runtimes: the same channel code (RFC 8291 encryption on node:crypto in
 * src/lib/push-encrypt.ts, plus the runtime's fetch) encrypts and signs on Deno and on workerd, and the push-service peer verifies
 * the VAPID JWT and decrypts what arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPushService, type PushServicePeer } from "../../src/channels/push/push-service.peer.js";
import { api, eventually, startHerald, type HeraldProcess, type Runtime } from "../support/server.js";

const runtimes: Runtime[] = ["deno", "workerd"];

describe.each(runtimes)("web push on %s", (runtime) => {
  let herald: HeraldProcess;
  let peer: PushServicePeer;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    peer = await startPushService();
    herald = await startHerald({ runtime, env: { VAPID_SUBJECT: "mailto:ops@shop.example" } });
    call = api(herald.url);
  }, 120_000);
  afterAll(async () => {
    await herald?.stop();
    await peer?.close();
  });

  it("generates VAPID keys, registers a subscription and delivers an encrypted, signed push", async () => {
    const { publicKey } = (await api(herald.url, null)("GET", "/v1/push/vapid-public-key")).body;
    expect(Buffer.from(publicKey, "base64url")).toHaveLength(65);
    await call("PUT", "/v1/subscribers/rt-push", { name: "Runtime" });
    const token = (await call("POST", "/v1/subscribers/rt-push/tokens", {})).body.token;
    expect((await api(herald.url, token)("POST", "/v1/me/push-subscriptions", peer.subscribe())).status).toBe(201);
    await call("PUT", "/v1/templates/rt-push", { channels: { push: { title: "Заказ #{{data.order}}", body: "Курьер в пути", tag: "order-{{data.order}}" } } });
    await call("PUT", "/v1/rules/rt-push", { event: "runtime.push", steps: [{ channel: "push", template: "rt-push" }] });
    expect((await call("POST", "/v1/events", { id: `push-${runtime}`, type: "runtime.push", to: "rt-push", data: { order: 42 } })).status).toBe(202);
    const got = await eventually(() => peer.received[0], 30_000);
    expect(got.payload).toMatchObject({ title: "Заказ #42", body: "Курьер в пути", tag: "order-42" });
    expect(got.vapidKey).toBe(publicKey);
    expect(got.headers).toMatchObject({ topic: "order-42", urgency: "high" });
    expect(peer.rejected).toEqual([]);
  });
});
