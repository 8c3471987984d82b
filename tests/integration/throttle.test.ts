/**
 * A rule's `throttle` (issue 17): Herald in process on a manual clock, the real push-service peer.
 * At most 3 pushes an hour per subscriber and category: the 4th is cancelled with `throttled`,
 * however many sends run at once; the in-app steps of the same rule are not capped; critical rules
 * are exempt; an hour later the cap has room again.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { generateVapidKeys } from "../../src/core/push/vapid.js";
import { builtInChannels } from "../../src/channels/index.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { startPushService, type PushServicePeer } from "../../src/channels/push/push-service.peer.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

// Real time: the push-service peer checks the VAPID token's expiry against its own clock.
const clock = manualClock(Date.now());
let herald: Herald;
let push: PushServicePeer;
let closeDb: () => void;
const call = inProcessApi(() => herald);
const deliveriesOf = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries);
const pushesTo = (endpoint: string) => push.received.filter((p) => endpoint.endsWith(`/${p.id}`)).length;

async function browserOf(id: string): Promise<string> {
  await call("PUT", `/v1/subscribers/${id}`, { name: id });
  const token = (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
  const browser = push.subscribe();
  expect((await call("POST", "/v1/me/push-subscriptions", browser, token)).status).toBe(201);
  return browser.endpoint;
}

beforeAll(async () => {
  push = await startPushService();
  const vapid = await generateVapidKeys();
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({
    store,
    clock,
    logger: silentLogger,
    channels: builtInChannels,
    env: { ...TEST_SECRETS, HERALD_ALLOW_PRIVATE_NETWORK: "1", VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: "mailto:ops@shop.example" },
  });
  await call("PUT", "/v1/templates/chat", { channels: { realtime: { title: "Chat", body: "{{data.text}}" }, push: { title: "Chat", body: "{{data.text}}" } } });
  const steps = [
    { channel: "realtime", template: "chat" },
    { channel: "push", template: "chat" },
  ];
  expect((await call("PUT", "/v1/rules/chat", { event: "room.message", category: "chat", throttle: { limit: 3, window: "1h", channel: "push" }, steps })).status).toBe(200);
  expect((await call("PUT", "/v1/rules/alarm", { event: "alarm", critical: true, throttle: { limit: 3, window: "1h" }, steps })).status).toBe(200);
});
afterAll(async () => {
  await herald?.outbox.stop();
  closeDb?.();
  await push?.close();
});

describe("throttle", () => {
  it("lets 3 pushes an hour through and cancels the 4th as throttled; in-app is not capped", async () => {
    const endpoint = await browserOf("busy");
    for (let i = 1; i <= 4; i++) {
      expect((await call("POST", "/v1/events", { id: `chat-${i}`, type: "room.message", to: "busy", data: { text: `m${i}` } })).status).toBe(202);
      // The cap is on push: the in-app step is still appended in the commit that accepts the event.
      expect((await deliveriesOf(`chat-${i}`)).map((d) => d.status)).toEqual(["sent", "pending"]);
      await herald.outbox.drain();
      clock.advance(60_000);
    }
    expect(pushesTo(endpoint)).toBe(3);
    const fourth = await deliveriesOf("chat-4");
    expect(fourth.map((d) => [d.channel, d.status])).toEqual([
      ["realtime", "sent"],
      ["push", "cancelled"],
    ]);
    expect(fourth[1].lastError).toBe("throttled: at most 3 per 1h on push");
    const token = (await call("POST", "/v1/subscribers/busy/tokens", {})).body.token;
    expect((await call("GET", "/v1/me/notifications", undefined, token)).body.items).toHaveLength(4);

    // An hour after the first push, one slot is free again.
    clock.advance(57 * 60_000);
    await call("POST", "/v1/events", { id: "chat-5", type: "room.message", to: "busy", data: { text: "m5" } });
    await herald.outbox.drain();
    expect(pushesTo(endpoint)).toBe(4);
  });

  it("holds the cap when 20 sends run at once", async () => {
    const endpoint = await browserOf("burst");
    await Promise.all(Array.from({ length: 20 }, (_, i) => call("POST", "/v1/events", { id: `burst-${i}`, type: "room.message", to: "burst", data: { text: `b${i}` } })));
    await herald.outbox.drain();
    expect(pushesTo(endpoint)).toBe(3);
    const pushes = (await Promise.all(Array.from({ length: 20 }, (_, i) => deliveriesOf(`burst-${i}`)))).map((list) => list.find((d) => d.channel === "push"));
    expect(pushes.filter((d) => d.status === "sent")).toHaveLength(3);
    expect(pushes.filter((d) => d.status === "cancelled" && d.lastError.startsWith("throttled"))).toHaveLength(17);
  });

  it("never throttles a critical rule", async () => {
    const endpoint = await browserOf("oncall");
    for (let i = 0; i < 5; i++) await call("POST", "/v1/events", { id: `alarm-${i}`, type: "alarm", to: "oncall", data: { text: `a${i}` } });
    await herald.outbox.drain();
    expect(pushesTo(endpoint)).toBe(5);
  });

  it("forgets slots past their window (housekeeping) and an erased subscriber's at once", async () => {
    const slots = async () => ((await herald.store.db.all(sql`SELECT subscriber_id AS s FROM throttle_slots`)) as { s: string }[]).map((r) => r.s);
    expect(new Set(await slots())).toEqual(new Set(["busy", "burst"]));
    expect((await call("DELETE", "/v1/subscribers/burst")).status).toBe(204);
    expect(new Set(await slots())).toEqual(new Set(["busy"]));
    clock.advance(2 * 60 * 60_000);
    await herald.housekeeping();
    expect(await slots()).toEqual([]);
  });
});
