import { afterAll, beforeAll, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, tempDatabaseUrl, type HeraldProcess } from "../support/server.js";

const EVENTS = 1000;
const CONCURRENCY = 16;
let peer: MattermostPeer;
let herald: HeraldProcess | undefined;

beforeAll(async () => {
  peer = await startMattermostPeer();
});
afterAll(async () => {
  await herald?.stop();
  await peer.close();
});

it("loses nothing when killed with -9 while 1,000 deliveries are pending, and redelivers only what was in flight", async () => {
  const env = { MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_OUTBOX_CONCURRENCY: String(CONCURRENCY) };
  const databaseUrl = tempDatabaseUrl();
  herald = await startHerald({ env, databaseUrl });
  const call = api(herald.url);
  await call("PUT", "/v1/templates/crash", { channels: { mattermost: { text: "order {{data.n}}" } } });
  await call("PUT", "/v1/rules/crash", { event: "crash.test", to: { subscriber: "ops" }, steps: [{ channel: "mattermost", template: "crash" }] });

  // A slow peer keeps deliveries pending while the process is killed.
  peer.latencyMs = 15;
  for (let i = 0; i < EVENTS; i += 100) {
    const batch = Array.from({ length: 100 }, (_, j) => call("POST", "/v1/events", { id: `crash-${i + j}`, type: "crash.test", data: { n: i + j } }));
    expect((await Promise.all(batch)).every((r) => r.status === 202)).toBe(true);
  }
  await eventually(() => peer.received.length >= 100, 30_000);
  await herald.crash();
  const beforeRestart = peer.arrivals().size;
  expect(beforeRestart).toBeLessThan(EVENTS);

  peer.latencyMs = 0;
  herald = await startHerald({ env, databaseUrl });
  await eventually(() => peer.arrivals().size === EVENTS, 60_000, 100);
  // Give any stray duplicate time to show up before counting.
  await new Promise((r) => setTimeout(r, 500));

  const arrivals = peer.arrivals();
  expect(arrivals.size).toBe(EVENTS);
  const repeated = [...arrivals.values()].filter((n) => n > 1).length;
  // At-least-once: only a send that was in flight at the kill can be repeated, and the receiver
  // drops it by notification id. Everything acknowledged before the kill is never sent again.
  expect(repeated).toBeLessThanOrEqual(CONCURRENCY);
  const stats = await api(herald.url)("GET", "/v1/stats");
  expect(stats.body.channels.mattermost.sent).toBe(EVENTS);
  expect(stats.body.outbox.jobs).toBe(0);
  console.log(`crash test: ${beforeRestart} delivered before kill -9, ${EVENTS - beforeRestart} after restart, ${repeated} repeated (in flight at the kill)`);
});
