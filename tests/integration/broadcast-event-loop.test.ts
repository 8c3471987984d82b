/**
 * A broadcast on Node leaves the event loop free for everything else: Herald in this process as
 * Node runs it (embedded file with its checkpoint thread, the outbox loop started, default plan
 * parts), listening on a port, a broadcast to 20,000 in-app subscribers, and meanwhile a client on
 * another thread asking `GET /healthz` and `POST /v1/events` every 50 ms.
 *
 * The embedded driver runs every statement on this thread, and a chain of awaits over it never
 * lets a timer or a socket in. Committed together, the parts claimed at once held the loop for the
 * whole broadcast (~2.5 s of CPU here; 4.5 s at 50,000), and every request waited for it.
 *
 * Holds are measured in this thread's CPU time as well as wall time (event-loop-probe.ts): a
 * loaded machine stretches a hold's wall time several-fold, not its CPU. Answers are bounded
 * against the broadcast's own duration for the same reason.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore, type LibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { probeEventLoop } from "../support/event-loop-probe.js";
import { inProcessApi } from "../support/in-process.js";
import { startPinger } from "../support/request-pinger.js";
import { tempDatabaseUrl, TEST_API_KEY, TEST_SECRETS } from "../support/server.js";

const N = 20_000;
/** The most CPU one hold may take: a plan part's commit is ~100 ms (bench/broadcast). */
const HOLD_CPU_MS = 300;
let herald: Herald;
let database: LibsqlStore;
let server: ServerType;
let url: string;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  database = await openLibsqlStore(tempDatabaseUrl(), { checkpointInBackground: true });
  const now = Date.now();
  const ids = JSON.stringify(Array.from({ length: N }, (_, i) => `el-${String(i).padStart(5, "0")}`));
  await database.client.execute({ sql: "INSERT INTO subscribers (id, name, created_at, updated_at) SELECT value, value, ?, ? FROM json_each(?)", args: [now, now, ids] });
  herald = await createHerald({ store: database.store, logger: silentLogger, channels: builtInChannels, env: { ...TEST_SECRETS } });
  await call("PUT", "/v1/templates/el", { channels: { realtime: { title: "Sale", body: "Today only" } } });
  herald.outbox.start();
  server = serve({ fetch: herald.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await herald?.outbox.stop();
  await database?.close();
});

describe("a broadcast to 20,000 on Node", () => {
  it("never holds the event loop for long: health checks and events are answered while it runs", async () => {
    const headers = { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" };
    const pinger = startPinger(url, [
      { method: "GET", path: "/healthz" },
      { method: "POST", path: "/v1/events", headers, body: JSON.stringify({ type: "el.ping" }) },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const probe = probeEventLoop();
    const started = performance.now();
    const posted = await call("POST", "/v1/broadcasts", { template: "el", audience: { all: true }, channels: ["realtime"] });
    expect(posted.status).toBe(202);
    // In-app deliveries are made in their part's commit: planned is sent (checked below).
    while ((await herald.store.events.get(posted.body.id))?.plannedAt == null) await new Promise((resolve) => setTimeout(resolve, 100));
    const tookMs = performance.now() - started;
    const holds = probe.stop();
    const pings = await pinger.stop();

    expect((await call("GET", `/v1/broadcasts/${posted.body.id}`)).body).toMatchObject({ status: "done", total: N, sent: N, failed: 0 });
    const report = `broadcast ${tookMs.toFixed(0)} ms; longest hold ${holds.longestWallMs.toFixed(0)} ms (${holds.longestCpuMs.toFixed(0)} ms CPU); slowest answers ${JSON.stringify(pings.slowestMs)} of ${pings.sent}`;
    expect(holds.longestCpuMs, report).toBeLessThan(HOLD_CPU_MS);
    expect(pings.failures, report).toEqual([]);
    // Answered all along: no request waited a fifth of the broadcast (committed together, one waited nearly all of it).
    expect(pings.sent, report).toBeGreaterThan(tookMs / 1000);
    for (const slowest of Object.values(pings.slowestMs)) expect(slowest, report).toBeLessThan(Math.max(1000, tookMs / 5));
  });
});
