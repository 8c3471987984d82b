/**
 * bench/workers: a broadcast to 10,000 subscribers on local workerd (`wrangler dev`: D1, Durable
 * Objects and Queues as wrangler.toml declares them), in-app to all of them and web push too (which
 * reaches the 1,000 with a subscription on a local push-service peer and fails for good, once, for
 * the others), with 200 of them connected by WebSocket; then the same broadcast on Node beside it.
 *
 *   npx tsx bench/workers.ts     (BENCH_WORKERS_N=10000 BENCH_WORKERS_PUSH=1000 BENCH_WORKERS_CONNECTED=200)
 *
 * Reports, for each runtime: the time from `POST /v1/broadcasts` until the broadcast reads `done`
 * (every delivery recorded), deliveries per second, and when the connected clients had the item.
 * For workerd, every invocation's D1 statements, subrequests and wall time (the Worker logs them with
 * HERALD_BUDGET_LOG=1, cloudflare/meter.ts), the largest of each, and whether any went over budget.
 * Local workerd runs one queue batch at a time per queue and enforces none of Cloudflare's limits;
 * the counts are what production would charge, the times only what this machine does.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import WebSocket from "ws";
import { startPushService } from "../src/channels/push/push-service.peer.js";
import { freePort } from "../tests/support/server.js";

const N = Number(process.env.BENCH_WORKERS_N ?? 10_000);
const PUSH = Number(process.env.BENCH_WORKERS_PUSH ?? 1000);
const CONNECTED = Number(process.env.BENCH_WORKERS_CONNECTED ?? 200);
const KEY = "bench-workers-key-0123456789abcdef0123456789";
const TOPIC = "bench:everyone";
const ids = Array.from({ length: N }, (_, i) => `bw-${String(i).padStart(6, "0")}`);

interface Invocation {
  kind: string;
  label: string;
  wallMs: number;
  d1Queries: number;
  subrequests: number;
  maxBoundParameters: number;
  over: string[];
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The same data for both runtimes: subscribers, topic members and push subscriptions on the peer. */
function seedSql(push: { endpoint: string; keys: { p256dh: string; auth: string } }[]): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < N; i += 500) {
    const part = ids.slice(i, i + 500);
    lines.push(`INSERT INTO subscribers (id, name, created_at, updated_at) VALUES ${part.map((id) => `(${quote(id)}, ${quote(id)}, ${now}, ${now})`).join(", ")};`);
    lines.push(`INSERT INTO topic_subscribers (topic, subscriber_id, created_at) VALUES ${part.map((id) => `(${quote(TOPIC)}, ${quote(id)}, ${now})`).join(", ")};`);
  }
  for (let i = 0; i < push.length; i += 200) {
    const part = push.slice(i, i + 200);
    lines.push(`INSERT INTO push_subscriptions (endpoint, subscriber_id, p256dh, auth, created_at) VALUES ${part.map((p, k) => `(${quote(p.endpoint)}, ${quote(ids[i + k]!)}, ${quote(p.keys.p256dh)}, ${quote(p.keys.auth)}, ${now})`).join(", ")};`);
  }
  return lines.join("\n");
}

function api(base: string) {
  return async (method: string, path: string, body?: unknown, token = KEY) => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** Starts a command and resolves with the first match of `ready` in its output; every line goes to `onLine`. */
async function start(cmd: string, args: string[], env: Record<string, string>, ready: RegExp, onLine: (line: string) => void): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let buffered = "";
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start in 90 s:\n${buffered.slice(-2000)}`)), 90_000);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        onLine(line);
        const m = ready.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`${cmd} exited with ${code}:\n${buffered.slice(-2000)}`)));
  });
  return { proc, match };
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    try {
      process.kill(-proc.pid!, "SIGTERM");
    } catch {
      proc.kill("SIGTERM");
    }
    setTimeout(() => {
      try {
        process.kill(-proc.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, 10_000).unref();
  });
}

/** Connects `CONNECTED` subscribers spread over the audience; resolves with when each saw its first notification. */
async function connect(base: string, call: ReturnType<typeof api>) {
  const chosen = ids.filter((_, i) => i % Math.floor(N / CONNECTED) === 0).slice(0, CONNECTED);
  const arrivals: number[] = [];
  const sockets: WebSocket[] = [];
  for (const id of chosen) {
    const token = (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/me/ws?after=0&token=${token}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("error", reject);
      ws.on("message", (data) => {
        const frame = JSON.parse(String(data));
        if (frame.type === "ready") resolve();
        if (frame.type === "notification") arrivals.push(Date.now());
      });
    });
    sockets.push(ws);
  }
  return { arrivals, close: () => sockets.forEach((ws) => ws.close()) };
}

/** Posts the broadcast and waits until it is done; the time, and when connected clients had it. */
async function broadcast(base: string) {
  const call = api(base);
  await call("PUT", "/v1/templates/bench-sale", { channels: { realtime: { title: "Sale", body: "Today only" }, push: { title: "Sale", body: "Today only", url: "https://shop.example/sale" } } });
  const live = await connect(base, call);
  const started = Date.now();
  const posted = await call("POST", "/v1/broadcasts", { template: "bench-sale", audience: { topic: TOPIC }, channels: ["realtime", "push"] });
  if (posted.status !== 202) throw new Error(`broadcast answered ${posted.status}: ${JSON.stringify(posted.body)}`);
  let view: { status: string; total: number; sent: number; failed: number; pending: number };
  for (;;) {
    view = (await call("GET", `/v1/broadcasts/${posted.body.id}`)).body;
    if (view.status === "done") break;
    if (Date.now() - started > 900_000) throw new Error(`not done after 15 minutes: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const ms = Date.now() - started;
  await new Promise((r) => setTimeout(r, 500));
  live.close();
  const arrivals = live.arrivals.map((t) => t - started).sort((a, b) => a - b);
  return { ms, view, liveFirst: arrivals[0], liveLast: arrivals.at(-1), liveCount: arrivals.length };
}

async function onWorkerd(sql: string, peerEnv: Record<string, string>) {
  const persist = mkdtempSync(join(tmpdir(), "herald-bench-workers-"));
  // Migrated and seeded before wrangler dev starts: a second process writing the local D1 file
  // under a running workerd cuts its next requests. Herald counts wrangler's d1_migrations as applied.
  const file = join(persist, "seed.sql");
  writeFileSync(file, sql);
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "herald", "--local", "--persist-to", persist], { stdio: "ignore", env: { ...process.env, CI: "1" } });
  execFileSync("npx", ["wrangler", "d1", "execute", "herald", "--local", "--persist-to", persist, "--file", file], { stdio: "ignore" });
  const invocations: (Invocation & { at: number })[] = [];
  let readyAt = Date.now();
  let restartedAt = 0;
  const port = String(await freePort());
  const vars = { HERALD_API_KEY: KEY, HERALD_ALLOW_PRIVATE_NETWORK: "1", HERALD_LOG_LEVEL: "error", HERALD_BUDGET_LOG: "1", ...peerEnv };
  const { proc, match } = await start(
    "npx",
    ["wrangler", "dev", "--port", port, "--ip", "127.0.0.1", "--persist-to", persist, "--show-interactive-dev-session=false", "--inspector-port", String(await freePort()), ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])],
    {},
    /Ready on (http:\/\/\S+)/,
    (line) => {
      if (line.includes("restarting build")) restartedAt = Date.now();
      if (/Ready on /.test(line)) readyAt = Date.now();
      const at = line.indexOf('{"msg":"invocation"');
      if (at >= 0) invocations.push({ ...(JSON.parse(line.slice(at)) as Invocation), at: Date.now() });
    },
  );
  try {
    const base = match[1]!;
    // wrangler 4.86's watcher may report `src` changed right after start and rebuild once; a request
    // in flight then is cut. Start once it has been ready for 3 s since the last rebuild.
    while (restartedAt > readyAt || Date.now() - Math.max(readyAt, restartedAt) < 3000) await new Promise((r) => setTimeout(r, 250));
    await api(base)("GET", "/healthz");
    const from = Date.now();
    const result = await broadcast(base);
    await new Promise((r) => setTimeout(r, 2000));
    const during = invocations.filter((i) => i.at >= from);
    const max = (f: (i: Invocation) => number) => during.reduce((m, i) => Math.max(m, f(i)), 0);
    const byKind = Object.fromEntries([...new Set(during.map((i) => i.kind))].map((k) => [k, during.filter((i) => i.kind === k).length]));
    return { ...result, invocations: during.length, byKind, maxD1: max((i) => i.d1Queries), maxSub: max((i) => i.subrequests), maxWall: max((i) => i.wallMs), maxParams: max((i) => i.maxBoundParameters), over: during.filter((i) => i.over.length > 0).length };
  } finally {
    await stop(proc);
  }
}

async function onNode(sql: string, peerEnv: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "herald-bench-node-"));
  const url = `file:${join(dir, "herald.db")}`;
  const env = { PORT: "0", DATABASE_URL: url, HERALD_API_KEY: KEY, HERALD_ALLOW_PRIVATE_NETWORK: "1", HERALD_LOG_LEVEL: "error", ...peerEnv };
  const { proc, match } = await start(process.execPath, ["--import", "tsx", "src/runtimes/node/main.ts"], env, /\{"msg":"ready","url":"([^"]+)"/, () => {});
  try {
    const client = createClient({ url });
    await client.executeMultiple(sql);
    client.close();
    return await broadcast(match[1]!);
  } finally {
    await stop(proc);
  }
}

const peer = await startPushService({ decrypt: false });
const subscriptions = Array.from({ length: Math.min(PUSH, N) }, () => peer.subscribe());
const sql = seedSql(subscriptions);
// VAPID keys are generated per server when unset; the peer does not check them here (decrypt: false).
const peerEnv = {};
console.log(`bench/workers: broadcast to ${N} subscribers (in-app; web push for ${subscriptions.length} on a local peer), ${CONNECTED} connected\n`);

const workerd = await onWorkerd(sql, peerEnv);
const pushedOnWorkerd = peer.count;
const node = await onNode(sql, peerEnv);
const pushedOnNode = peer.count - pushedOnWorkerd;
await peer.close();

const deliveries = 2 * N;
const row = (name: string, w: string | number, n: string | number) => console.log(`${name.padEnd(46)} | ${String(w).padStart(16)} | ${String(n).padStart(16)}`);
row("measure", "workerd", "Node");
console.log(`${"-".repeat(46)}-|-${"-".repeat(16)}-|-${"-".repeat(16)}`);
row("time until every delivery recorded", `${(workerd.ms / 1000).toFixed(1)} s`, `${(node.ms / 1000).toFixed(1)} s`);
row(`deliveries/s (${deliveries}: in-app + push)`, Math.round((deliveries * 1000) / workerd.ms), Math.round((deliveries * 1000) / node.ms));
row("recipients/s", Math.round((N * 1000) / workerd.ms), Math.round((N * 1000) / node.ms));
row("sent / failed (push without subscription)", `${workerd.view.sent} / ${workerd.view.failed}`, `${node.view.sent} / ${node.view.failed}`);
row("pushes the peer received", pushedOnWorkerd, pushedOnNode);
row(`connected clients with the item (of ${CONNECTED})`, workerd.liveCount, node.liveCount);
row("first / last connected client had it", `${workerd.liveFirst} / ${workerd.liveLast} ms`, `${node.liveFirst} / ${node.liveLast} ms`);
row("invocations (workerd)", workerd.invocations, "");
for (const [kind, n] of Object.entries(workerd.byKind)) row(`  ${kind}`, n, "");
row("largest invocation: D1 queries", workerd.maxD1, "");
row("largest invocation: subrequests", workerd.maxSub, "");
row("largest invocation: bound parameters", workerd.maxParams, "");
row("longest invocation: wall time", `${workerd.maxWall} ms`, "");
row("invocations over budget", workerd.over, "");
