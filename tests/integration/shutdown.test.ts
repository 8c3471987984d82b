/**
 * SIGTERM to the real process, on Node and on Deno, while live SSE and WebSocket clients are
 * connected, deliveries to a slow peer are in flight and events keep arriving: the process exits
 * 0 within 10 s, and after a restart on the same database every delivery lands and every event
 * that was answered 202 is there.
 */
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, tempDatabaseUrl, type HeraldProcess, type Runtime } from "../support/server.js";
import { openSse, openWs } from "../support/stream-clients.js";

const runtimes: Runtime[] = ["node", "deno"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(runtimes)("SIGTERM on %s", (runtime) => {
  let peer: MattermostPeer;
  let herald: HeraldProcess | undefined;

  beforeAll(async () => {
    peer = await startMattermostPeer();
  });
  afterAll(async () => {
    await herald?.stop();
    await peer?.close();
  });

  async function setUp(call: ReturnType<typeof api>) {
    await call("PUT", "/v1/templates/sd", { channels: { mattermost: { text: "n {{data.n}}" }, realtime: { title: "n {{data.n}}", body: "b" } } });
    await call("PUT", "/v1/rules/sd-send", { event: "shutdown.send", to: { subscriber: "ops" }, steps: [{ channel: "mattermost", template: "sd" }] });
    await call("PUT", "/v1/rules/sd-inbox", { event: "shutdown.inbox", to: { subscriber: "reader" }, steps: [{ channel: "realtime", template: "sd" }] });
    await call("PUT", "/v1/subscribers/reader", { name: "Reader" });
    return (await call("POST", "/v1/subscribers/reader/tokens", {})).body.token as string;
  }

  /** Sends SIGTERM and waits for the exit (SIGKILL after 15 s): its code and how long it took. */
  async function terminate(process: HeraldProcess) {
    const sent = Date.now();
    process.signal("SIGTERM");
    const overdue = setTimeout(() => process.signal("SIGKILL"), 15_000);
    const exit = await process.exited;
    clearTimeout(overdue);
    return { ...exit, ms: Date.now() - sent };
  }

  it("exits 0 within 10 s with live clients, sends in flight and events arriving, and the restart loses nothing", async () => {
    const databaseUrl = tempDatabaseUrl();
    const env = { MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_OUTBOX_CONCURRENCY: "8" };
    herald = await startHerald({ runtime, env, databaseUrl });
    const call = api(herald.url);
    const token = await setUp(call);
    const sse = await openSse(`${herald.url}/v1/me/stream`, { authorization: `Bearer ${token}` });
    const ws = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?after=0&token=${token}`);
    expect((await call("POST", "/v1/events", { id: "inbox-1", type: "shutdown.inbox", data: { n: 1 } })).status).toBe(202);
    await sse.until((events) => events.some((e) => e.event === "notification"));
    await ws.until((frames) => frames.some((f) => f.type === "notification"));

    // A slow provider: eight sends in flight at once, the rest waiting in the outbox.
    peer.latencyMs = 1500;
    const queued = Array.from({ length: 40 }, (_, i) => `queued-${i}`);
    for (const id of queued) expect((await call("POST", "/v1/events", { id, type: "shutdown.send", data: { n: id } })).status).toBe(202);
    await sleep(300);

    // Events keep arriving while the signal lands: whatever was answered 202 was accepted.
    const accepted: string[] = [];
    let posting = true;
    const poster = (async () => {
      for (let i = 0; posting; i++) {
        const id = `during-${i}`;
        try {
          if ((await call("POST", "/v1/events", { id, type: "shutdown.send", data: { n: id } })).status === 202) accepted.push(id);
        } catch {
          // Refused or cut: not accepted, so nothing is owed.
        }
        await sleep(5);
      }
    })();
    await sleep(200);
    const exit = await terminate(herald);
    posting = false;
    await poster;
    expect(exit.code).toBe(0);
    expect(exit.signal).toBeNull();
    expect(exit.ms).toBeLessThan(10_000);
    // The server ended the live connections itself (not a broken connection: 1006); clients
    // resume from their cursor. Herald closes sockets with 4000; Deno's own shutdown may get its
    // "going away" (1001) out first.
    expect(await sse.ended).toBe("ended");
    expect([4000, 1001]).toContain((await ws.closed).code);
    expect(accepted.length).toBeGreaterThan(0);
    const landedBefore = peer.arrivals().size;

    peer.latencyMs = 0;
    herald = await startHerald({ runtime, env, databaseUrl });
    const expected = queued.length + accepted.length;
    await eventually(() => peer.arrivals().size === expected, 30_000, 100);
    await sleep(300);
    const again = api(herald.url);
    for (const id of accepted) expect((await again("GET", `/v1/events/${id}`)).status).toBe(200);
    const stats = (await again("GET", "/v1/stats")).body;
    expect(stats.channels.mattermost.sent).toBe(expected);
    expect(stats.outbox.jobs).toBe(0);
    // Sends in flight finished inside the grace and were recorded: none went out twice.
    expect([...peer.arrivals().values()].every((n) => n === 1)).toBe(true);
    console.log(`shutdown on ${runtime}: exit ${exit.code} in ${exit.ms} ms; ${landedBefore} of ${queued.length + accepted.length} landed before it, ${accepted.length} events accepted while it began; all landed once after restart`);
    await herald.stop();
    herald = undefined;
  });

  it("hands back sends that outlast the grace, so the next start sends them at once", async () => {
    const databaseUrl = tempDatabaseUrl();
    const env = { MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_OUTBOX_CONCURRENCY: "8", HERALD_SHUTDOWN_GRACE_MS: "1000" };
    herald = await startHerald({ runtime, env, databaseUrl });
    const call = api(herald.url);
    await setUp(call);
    // A provider that hangs past the grace (and past nothing else: the channel's own timeout is 10 s).
    peer.latencyMs = 8000;
    const ids = Array.from({ length: 8 }, (_, i) => `hung-${i}`);
    for (const id of ids) expect((await call("POST", "/v1/events", { id, type: "shutdown.send", data: { n: id } })).status).toBe(202);
    await sleep(500);
    const exit = await terminate(herald);
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(1000 + 3000);

    // Nothing in the file is leased any more: the jobs were handed back, not left to expire.
    const db = createClient({ url: databaseUrl });
    const rows = (await db.execute("SELECT count(*) AS n, count(lease_owner) AS leased FROM jobs")).rows[0]!;
    db.close();
    expect(Number(rows.n)).toBe(ids.length);
    expect(Number(rows.leased)).toBe(0);

    peer.latencyMs = 0;
    const restarted = Date.now();
    herald = await startHerald({ runtime, env, databaseUrl });
    const fresh = () => new Set(peer.requests.filter((r) => r.at >= restarted && r.status === 200).map((r) => r.notificationId));
    await eventually(() => fresh().size === ids.length, 10_000, 50);
    console.log(`hand-back on ${runtime}: exit ${exit.code} in ${exit.ms} ms with ${ids.length} sends hung; all sent ${Date.now() - restarted} ms after the restart began`);
  });
});
