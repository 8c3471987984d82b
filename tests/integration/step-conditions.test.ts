/**
 * A step's `if`, evaluated when the step runs (issue 17): Herald in process on a manual clock, its
 * outbox drained by hand, the real push-service and Twilio peers. "SMS a minute later, only if the
 * subscriber is a VIP and the push failed" sends for exactly the VIPs whose push failed, and reads
 * the subscriber as they are when the SMS step runs, not as they were when the event came.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { generateVapidKeys } from "../../src/core/push/vapid.js";
import { builtInChannels } from "../../src/channels/index.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { startPushService, type PushServicePeer } from "../../src/channels/push/push-service.peer.js";
import { startTwilioPeer, type TwilioPeer } from "../../src/channels/sms/twilio.peer.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

// Real time: the push-service peer checks the VAPID token's expiry against its own clock.
const clock = manualClock(Date.now());
let herald: Herald;
let twilio: TwilioPeer;
let push: PushServicePeer;
let closeDb: () => void;
const call = inProcessApi(() => herald);
const deliveries = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries);
const smsTo = (phone: string) => twilio.messages.filter((m) => m.to === phone);

async function subscriber(id: string, phone: string, vip: boolean, pushWorks: boolean) {
  await call("PUT", `/v1/subscribers/${id}`, { phone, data: { vip } });
  const token = (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
  const browser = push.subscribe();
  expect((await call("POST", "/v1/me/push-subscriptions", browser, token)).status).toBe(201);
  if (!pushWorks) push.gone.add(browser.endpoint.split("/").pop()!);
}

beforeAll(async () => {
  [twilio, push] = await Promise.all([startTwilioPeer(), startPushService()]);
  const vapid = await generateVapidKeys();
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({
    store,
    clock,
    logger: silentLogger,
    channels: builtInChannels,
    env: { ...TEST_SECRETS, HERALD_ALLOW_PRIVATE_NETWORK: "1", VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: "mailto:ops@shop.example", ...twilio.env() },
  });
  await call("PUT", "/v1/templates/courier", { channels: { push: { title: "Courier", body: "{{data.text}}" }, sms: { text: "Courier: {{data.text}}" } } });
  const saved = await call("PUT", "/v1/rules/courier", {
    event: "order.courier",
    critical: true,
    steps: [
      { channel: "push", template: "courier" },
      { channel: "sms", template: "courier", after: "1m", if: { and: [{ "subscriber.data.vip": true }, { "steps.0.status": { in: ["failed", "dead"] } }] } },
    ],
  });
  expect(saved.status).toBe(200);
});
afterAll(async () => {
  await herald?.outbox.stop();
  closeDb?.();
  await Promise.all([twilio?.close(), push?.close()]);
});

describe("step conditions", () => {
  it("sends the SMS step only to VIPs whose push failed, judged when the step runs", async () => {
    await subscriber("vip-ok", "+15005550201", true, true);
    await subscriber("vip-gone", "+15005550202", true, false);
    await subscriber("plain-gone", "+15005550203", false, false);
    await subscriber("late-vip", "+15005550204", false, false);
    for (const to of ["vip-ok", "vip-gone", "plain-gone", "late-vip"]) {
      expect((await call("POST", "/v1/events", { id: `courier-${to}`, type: "order.courier", to, data: { text: "on the way" } })).status).toBe(202);
    }
    await herald.outbox.drain();
    expect(twilio.messages).toHaveLength(0);
    // Promoted after the event, before the SMS step: the step sees the subscriber as they are now.
    await call("PUT", "/v1/subscribers/late-vip", { phone: "+15005550204", data: { vip: true } });

    clock.advance(61_000);
    await herald.outbox.drain();
    expect(smsTo("+15005550201")).toHaveLength(0);
    expect(smsTo("+15005550202").map((m) => m.body)).toEqual(["Courier: on the way"]);
    expect(smsTo("+15005550203")).toHaveLength(0);
    expect(smsTo("+15005550204")).toHaveLength(1);
    const states = async (id: string) => (await deliveries(`courier-${id}`)).map((d) => [d.channel, d.status, d.status === "cancelled" ? d.lastError : null]);
    expect(await states("vip-ok")).toEqual([["push", "sent", null], ["sms", "cancelled", "condition not met"]]);
    expect(await states("vip-gone")).toEqual([["push", "failed", null], ["sms", "sent", null]]);
    expect(await states("plain-gone")).toEqual([["push", "failed", null], ["sms", "cancelled", "condition not met"]]);
  });

  it("refuses a malformed step condition with a problem, not a 5xx", async () => {
    const bad = await call("PUT", "/v1/rules/bad-if", { event: "x", steps: [{ channel: "sms", template: "courier", if: { and: [] } }] });
    expect(bad.status).toBe(400);
    const nested = { not: { not: { not: { not: { "data.x": 1 } } } } };
    const deep = await call("PUT", "/v1/rules/deep-if", { event: "x", steps: [{ channel: "sms", template: "courier", if: nested }] });
    expect(deep.status).toBe(400);
    expect(deep.body.errors.length).toBeGreaterThan(0);
    // Three levels are allowed.
    const ok = { or: [{ not: { "notification.read": true } }, { and: [{ "data.total": { gte: 100 } }, { "event.type": "x" }] }] };
    expect((await call("PUT", "/v1/rules/ok-if", { event: "x", steps: [{ channel: "sms", template: "courier", if: ok }] })).status).toBe(200);
  });
});
