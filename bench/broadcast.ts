/**
 * bench/broadcast: a broadcast to 50,000 subscribers on Node (in-app, planned in parts as Node runs
 * it: ONE_PROCESS_PLAN_PARTS, the outbox loop started), and what the rest of the process sees
 * meanwhile: the longest the event loop was held at once, and the slowest answer to `GET /healthz`
 * and `POST /v1/events` sent by a client on another thread while it runs; then what reading its
 * progress costs (`GET /v1/broadcasts/{id}`, as the admin polls it; median of 20).
 *
 *   flock /tmp/bench.lock npx tsx bench/broadcast.ts
 *   (BENCH_BROADCAST_N=50000, BENCH_BROADCAST_RUNS=3, BENCH_BROADCAST_PARTS=500,1000 to compare part sizes)
 *
 * Herald runs in this process, listening on a port, so that the event loop measured is Herald's
 * own (tests/support/event-loop-probe.ts: a timer every 5 ms; a hold in wall time and in this
 * thread's CPU time, which a loaded machine does not stretch). The broadcast's time runs from the
 * POST until its event is planned (in-app deliveries are made in their part's commit); its CPU is
 * the main thread's meanwhile. Each run starts from a fresh database; medians are reported, with
 * every run.
 */
import { serve } from "@hono/node-server";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtInChannels } from "../src/channels/index.js";
import { createHerald } from "../src/core/engine.js";
import { silentLogger } from "../src/core/logger.js";
import { ONE_PROCESS_PLAN_PARTS } from "../src/core/plan-parts.js";
import { openLibsqlStore } from "../src/runtimes/shared/libsql-store.js";
import { probeEventLoop } from "../tests/support/event-loop-probe.js";
import { startPinger } from "../tests/support/request-pinger.js";

const N = Number(process.env.BENCH_BROADCAST_N ?? 50_000);
const RUNS = Number(process.env.BENCH_BROADCAST_RUNS ?? 3);
/** Plan part sizes to compare, comma-separated; unset: ONE_PROCESS_PLAN_PARTS as it is. */
const PART_SIZES = (process.env.BENCH_BROADCAST_PARTS ?? "").split(",").filter(Boolean).map(Number);
const KEY = "hk_bench_0123456789abcdef0123456789abcdef";

interface Run {
  totalMs: number;
  /** Main-thread CPU for the whole broadcast: its cost, less moved by the machine's load than its wall time. */
  cpuMs: number;
  holdMs: number;
  holdCpuMs: number;
  healthMs: number;
  acceptMs: number;
  /** One `GET /v1/broadcasts/{id}` once it is done (the admin's progress poll), median of 20. */
  progressMs: number;
  requests: number;
}

async function run(partSize?: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "herald-bench-broadcast-"));
  const database = await openLibsqlStore(`file:${join(dir, "herald.db")}`, { checkpointInBackground: true });
  const now = Date.now();
  const ids = JSON.stringify(Array.from({ length: N }, (_, i) => `b-${String(i).padStart(6, "0")}`));
  await database.client.execute({ sql: "INSERT INTO subscribers (id, name, created_at, updated_at) SELECT value, value, ?, ? FROM json_each(?)", args: [now, now, ids] });
  const planParts = partSize ? { ...ONE_PROCESS_PLAN_PARTS, partSize } : undefined;
  // An admin password of its own: without one Herald prints a generated one at every start.
  const herald = await createHerald({ store: database.store, logger: silentLogger, channels: builtInChannels, env: { HERALD_API_KEY: KEY, HERALD_ADMIN_PASSWORD: "bench-admin-password" }, planParts });
  const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await herald.app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  await call("PUT", "/v1/templates/bench-sale", { channels: { realtime: { title: "Sale", body: "Today only" } } });
  herald.outbox.start();
  const server = serve({ fetch: herald.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const pinger = startPinger(url, [
    { method: "GET", path: "/healthz" },
    { method: "POST", path: "/v1/events", headers, body: JSON.stringify({ type: "bench.ping", data: { n: 1 } }) },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the thread's first requests answered
  const probe = probeEventLoop();
  const start = performance.now();
  const posted = await call("POST", "/v1/broadcasts", { template: "bench-sale", audience: { all: true }, channels: ["realtime"] });
  if (posted.status !== 202) throw new Error(`broadcast answered ${posted.status}`);
  // Done when its event is planned (the progress view's own reading is measured after).
  while ((await herald.store.events.get(posted.body.id as string))?.plannedAt == null) await new Promise((resolve) => setTimeout(resolve, 100));
  const totalMs = performance.now() - start;
  const holds = probe.stop();
  const pings = await pinger.stop();
  if (pings.failures.length > 0) throw new Error(`requests failed: ${pings.failures.slice(0, 5).join("; ")}`);
  const view = (await call("GET", `/v1/broadcasts/${posted.body.id}`)).body;
  if (view.status !== "done" || view.sent !== N) throw new Error(`broadcast planned but ${JSON.stringify(view)}`);
  const reads: number[] = [];
  for (let i = 0; i < 20; i++) {
    const at = performance.now();
    await call("GET", `/v1/broadcasts/${posted.body.id}`);
    reads.push(performance.now() - at);
  }
  const progressMs = reads.sort((a, b) => a - b)[10]!;
  server.close();
  await herald.outbox.stop();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    totalMs,
    cpuMs: holds.cpuMs ?? Number.NaN,
    holdMs: holds.longestWallMs,
    holdCpuMs: holds.longestCpuMs,
    healthMs: pings.slowestMs["GET /healthz"] ?? Number.NaN,
    acceptMs: pings.slowestMs["POST /v1/events"] ?? Number.NaN,
    progressMs,
    requests: pings.sent,
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const line = (r: Omit<Run, "requests">) =>
  `done in ${s(r.totalMs)} (${s(r.cpuMs)} CPU); longest hold ${ms(r.holdMs)} (${ms(r.holdCpuMs)} CPU); slowest GET /healthz ${ms(r.healthMs)}, POST /v1/events ${ms(r.acceptMs)}; progress read ${r.progressMs.toFixed(1)} ms`;
const configs: (number | undefined)[] = PART_SIZES.length > 0 ? PART_SIZES : [undefined];
const label = (partSize?: number) => `parts of ${partSize ?? ONE_PROCESS_PLAN_PARTS.partSize}`;

console.log(`bench/broadcast: a broadcast to ${N} subscribers (in-app) on Node, ${RUNS} runs each\n`);
const runs = new Map<number | undefined, Run[]>(configs.map((c) => [c, []]));
// Configurations take turns, so that a change in the machine's load falls on all of them.
for (let i = 0; i < RUNS; i++) {
  for (const partSize of configs) {
    const result = await run(partSize);
    runs.get(partSize)!.push(result);
    console.log(`${label(partSize)}, run ${i + 1}: ${line(result)}; ${result.requests} requests`);
  }
}
console.log("");
for (const [partSize, results] of runs) {
  const median = (pick: (r: Run) => number) => results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
  const medians = { totalMs: median((r) => r.totalMs), cpuMs: median((r) => r.cpuMs), holdMs: median((r) => r.holdMs), holdCpuMs: median((r) => r.holdCpuMs), healthMs: median((r) => r.healthMs), acceptMs: median((r) => r.acceptMs), progressMs: median((r) => r.progressMs) };
  console.log(`median, ${label(partSize)}: ${line(medians)}`);
}
