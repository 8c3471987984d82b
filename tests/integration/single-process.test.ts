/**
 * One process per embedded database file. A second start on a file in use is refused at once,
 * and leaves the first one alone: its sends in flight are not released and sent twice, and its
 * live clients miss nothing. A holder that stops, or is killed with -9, leaves no stale lock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, tempDatabaseUrl, type HeraldProcess, type Runtime } from "../support/server.js";
import { openSse } from "../support/stream-clients.js";

const REFUSED = /another Herald process is running on .*herald\.db/;
let peer: MattermostPeer;
const started: HeraldProcess[] = [];

async function start(runtime: Runtime, databaseUrl: string, env: Record<string, string> = {}) {
  const herald = await startHerald({ runtime, databaseUrl, env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl, ...env } });
  started.push(herald);
  return herald;
}

beforeAll(async () => {
  peer = await startMattermostPeer();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((h) => h.stop()));
  peer.latencyMs = 0;
});
afterAll(async () => {
  await peer?.close();
});

describe("a second process on the same database file", () => {
  it("is refused at start, and the first one sends everything exactly once and misses no live frame", async () => {
    const databaseUrl = tempDatabaseUrl();
    const first = await start("node", databaseUrl, { HERALD_OUTBOX_CONCURRENCY: "16" });
    const call = api(first.url);
    await call("PUT", "/v1/templates/one", { channels: { mattermost: { text: "n {{data.n}}" }, realtime: { title: "n {{data.n}}", body: "b" } } });
    await call("PUT", "/v1/rules/one-send", { event: "one.send", to: { subscriber: "ops" }, steps: [{ channel: "mattermost", template: "one" }] });
    await call("PUT", "/v1/rules/one-inbox", { event: "one.inbox", to: { subscriber: "reader" }, steps: [{ channel: "realtime", template: "one" }] });
    await call("PUT", "/v1/subscribers/reader", { name: "Reader" });
    const token = (await call("POST", "/v1/subscribers/reader/tokens", {})).body.token;
    const live = await openSse(`${first.url}/v1/me/stream`, { authorization: `Bearer ${token}` });

    // Sends in flight (a slow provider) while the second process tries to start.
    peer.latencyMs = 2000;
    const EVENTS = 48;
    for (let i = 0; i < EVENTS; i++) expect((await call("POST", "/v1/events", { id: `one-${i}`, type: "one.send", data: { n: i } })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));

    const refusedAt = Date.now();
    // The README once offered HERALD_OUTBOX=off for an API-only second process: refused too.
    await expect(start("node", databaseUrl, { HERALD_OUTBOX: "off" })).rejects.toThrow(REFUSED);
    const refusedInMs = Date.now() - refusedAt;

    // Live frames for the reader, all accepted by the one process that serves the file.
    for (let i = 0; i < 20; i++) expect((await call("POST", "/v1/events", { id: `live-${i}`, type: "one.inbox", data: { n: i } })).status).toBe(202);
    await live.until((events) => events.filter((e) => e.event === "notification").length === 20);

    await eventually(() => peer.arrivals().size === EVENTS, 60_000, 100);
    await new Promise((r) => setTimeout(r, 2500));
    const counts = [...peer.arrivals().values()];
    expect(counts.filter((n) => n > 1)).toEqual([]);
    expect((await call("GET", "/v1/stats")).body.channels.mattermost.sent).toBe(EVENTS);
    live.close();
    console.log(`second process refused in ${refusedInMs} ms (spawn included); ${EVENTS} sends landed once, 20 live frames reached the first process's client`);
  });

  it("is refused across runtimes: Deno while Node holds the file, and Node while Deno does", async () => {
    const nodeFirst = tempDatabaseUrl();
    await start("node", nodeFirst);
    await expect(start("deno", nodeFirst)).rejects.toThrow(REFUSED);

    const denoFirst = tempDatabaseUrl();
    await start("deno", denoFirst);
    await expect(start("node", denoFirst)).rejects.toThrow(REFUSED);
  });

  it("starts once the holder has stopped, or was killed with -9 (no stale lock)", async () => {
    const databaseUrl = tempDatabaseUrl();
    const holder = await start("node", databaseUrl);
    await holder.stop();
    const next = await start("node", databaseUrl);
    await next.crash();
    const afterCrash = await start("deno", databaseUrl);
    expect((await api(afterCrash.url)("GET", "/healthz")).status).toBe(200);
  });
});
