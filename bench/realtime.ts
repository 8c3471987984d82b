/**
 * bench/realtime: Herald's real-time delivery side by side with a Socket.IO server doing the same
 * job (room broadcast, `io.to(room).emit(...)`, the design of the support chat Herald replaces).
 *
 *   npx tsx bench/realtime.ts
 *
 * Both servers run as their own process (Herald as `npm start` runs it, on a fresh embedded libSQL
 * file; Socket.IO from bench/support/realtime-socketio-server.ts); every client lives in this
 * process. Herald goes first, then every socket is closed and Socket.IO runs the same phases:
 *   1. latency: one client, events sent open loop at 500/s for 10 s (after a 1 s warm-up), time
 *      from just before the POST to the frame's arrival at the client;
 *   2. memory: server RSS before and after opening 10,000 idle connections, each read once the
 *      server went quiet and 2 s more;
 *   3. fan-out: one message to a room of those 10,000, time from the POST until the last client
 *      got it, 5 times;
 *   4. heap per connection: the server's heap after a full GC (through its inspector, Node
 *      servers) with the 10,000 open, less the same once they closed.
 * The load generator shares the 2 cores with the server under test: the figures are an upper
 * bound on what a server alone would take, and the same bound for both servers.
 *
 * BENCH_RATE (events/s, default 500) and BENCH_ROOM_SIZE (default 10000) change the load, e.g. to
 * find the rate below which Herald's latency is not queueing.
 *
 * BENCH_RUNTIME=workerd|deno runs Herald on that runtime instead of Node (workerd: `wrangler dev`
 * with local D1 and Durable Objects; RSS and CPU are then the workerd process's). BENCH_ONLY=herald
 * skips Socket.IO. Run it from a copy of the tree nobody edits: `wrangler dev` reloads on changes.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { basename, dirname } from "node:path";
import { api, freePort, startHerald, TEST_API_KEY, type Runtime } from "../tests/support/server.js";
import { heapAfterGc } from "./support/inspector-heap.js";
import { closeAll, inParallel, itemLike, type LiveConnection, type OnFrame, openHeraldSocket, openMany, openSocketIo, poster } from "./support/realtime-clients.js";
import { cpuMs, rssKiB, settle } from "./support/realtime-process.js";

const RATE = Number(process.env.BENCH_RATE ?? 500);
const RUNTIME = (process.env.BENCH_RUNTIME ?? "node") as Runtime;
const LATENCY_SECONDS = 10;
const WARMUP_SECONDS = 1;
const ROOM_SIZE = Number(process.env.BENCH_ROOM_SIZE ?? 10_000);
const FANOUT_RUNS = 5;
/** Handshakes in flight while opening the room's connections; setup requests in flight. */
const OPEN_BATCH = 100;
const SETUP_CONCURRENCY = 32;
const ROOM = "bench-room";

const TARGET = { p99Ms: 20, fanoutMs: 250, throughputRatio: 1.5, perConnectionKiB: 10 };

/** One server under test, seen through what the phases need. */
interface Contender {
  name: string;
  pid: number;
  /** Sends the event that should reach the latency client with body `key`. */
  sendEvent(key: string): Promise<{ status: number; error?: string }>;
  openLatencyClient(onFrame: OnFrame): Promise<LiveConnection>;
  /** Whatever must exist before the room's clients connect (Herald: subscribers, tokens, membership). */
  prepareRoom(size: number): Promise<void>;
  openRoomClient(i: number, onFrame: OnFrame): Promise<LiveConnection>;
  postToRoom(body: string): Promise<{ status: number; error?: string }>;
  /** The body of a frame if it is a room message / a notification, else undefined. */
  messageBody(frame: any): string | undefined;
  notificationBody(frame: any): string | undefined;
  /** The server's inspector port (Node servers), for its heap after a full GC. */
  inspectorPort?: number;
  stop(): Promise<void>;
}

interface LatencyResult {
  sent: number;
  arrived: number;
  rejected: number;
  /** Frames per second the client got, first send to last arrival: below RATE means a queue grew. */
  sustained: number;
  /** Server CPU time per event (user + system), less sensitive than wall time to other load on the machine. */
  cpuMsPerEvent: number;
  p50: number;
  p99: number;
  max: number;
}

interface FanoutResult {
  runs: { lastMs: number; firstMs: number; answeredMs: number; cpuToLastMs: number; cpuAllMs: number }[];
  best: number;
  median: number;
  /** Medians of server CPU time: until the last client got the message, and until the server went quiet. */
  cpuToLastMs: number;
  cpuAllMs: number;
}

interface Figures {
  latency: LatencyResult;
  perConnectionKiB: number;
  rss: { before: number; after: number };
  /** Heap per idle connection after a full GC (KiB); absent where there is no inspector (workerd). */
  heapPerConnectionKiB?: number;
  fanout: FanoutResult;
  openSeconds: number;
}

const started = Date.now();
function progress(text: string) {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${text}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `send(i)` at `rate` per second on schedule, never waiting for an answer. */
async function openLoop(count: number, rate: number, send: (i: number) => Promise<{ status: number }>) {
  const answers: Promise<{ status: number }>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    answers.push(send(i));
  }
  return Promise.all(answers);
}

async function measureLatency(c: Contender): Promise<LatencyResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let lastArrival = 0;
  const client = await c.openLatencyClient((frame, at) => {
    const key = c.notificationBody(frame);
    const t = key === undefined ? undefined : sentAt.get(key);
    if (t !== undefined) {
      latencies.push(at - t);
      lastArrival = at;
      sentAt.delete(key!);
    }
  });
  const send = (prefix: string) => (i: number) => {
    const key = `${prefix}-${i}`;
    sentAt.set(key, performance.now());
    return c.sendEvent(key);
  };
  await openLoop(RATE * WARMUP_SECONDS, RATE, send("warm"));
  await waitFor(() => sentAt.size === 0, 10_000);
  sentAt.clear();
  latencies.length = 0;
  await settle(c.pid, { thenMs: 500 });

  const total = RATE * LATENCY_SECONDS;
  const firstSend = performance.now();
  const cpuBefore = cpuMs(c.pid);
  const answers = await openLoop(total, RATE, send("lat"));
  const rejected = answers.filter((a) => a.status < 200 || a.status >= 300).length;
  await waitFor(() => latencies.length >= total - rejected, 15_000);
  const cpuMsPerEvent = (cpuMs(c.pid) - cpuBefore) / total;
  client.close();
  latencies.sort((a, b) => a - b);
  const sustained = latencies.length === 0 ? 0 : latencies.length / ((lastArrival - firstSend) / 1000);
  return { sent: total, arrived: latencies.length, rejected, sustained, cpuMsPerEvent, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

async function measureRoom(c: Contender): Promise<Omit<Figures, "latency">> {
  progress(`${c.name}: preparing a room of ${ROOM_SIZE}`);
  await c.prepareRoom(ROOM_SIZE);
  await settle(c.pid);
  const before = rssKiB(c.pid);

  // One listener for the whole room: counts arrivals of the message of the current run.
  let expected = "";
  let got = 0;
  let firstAt = 0;
  let lastAt = 0;
  let allIn = () => {};
  const onFrame: OnFrame = (frame, at) => {
    if (c.messageBody(frame) !== expected) return;
    if (++got === 1) firstAt = at;
    if (got === ROOM_SIZE) {
      lastAt = at;
      allIn();
    }
  };
  progress(`${c.name}: opening ${ROOM_SIZE} connections, ${OPEN_BATCH} at a time`);
  const openedAt = performance.now();
  const connections = await openMany(ROOM_SIZE, OPEN_BATCH, (i) => c.openRoomClient(i, onFrame));
  const openSeconds = (performance.now() - openedAt) / 1000;
  try {
    await settle(c.pid);
    const after = rssKiB(c.pid);
    progress(`${c.name}: ${ROOM_SIZE} open in ${openSeconds.toFixed(1)} s; RSS ${(before / 1024).toFixed(1)} → ${(after / 1024).toFixed(1)} MiB`);

    const runs: FanoutResult["runs"] = [];
    for (let run = 1; run <= FANOUT_RUNS; run++) {
      expected = `fanout-${run}`;
      got = 0;
      const arrived = new Promise<boolean>((resolve) => {
        allIn = () => resolve(true);
        setTimeout(() => resolve(false), 60_000);
      });
      const cpuAtPost = cpuMs(c.pid);
      const t0 = performance.now();
      const answered = c.postToRoom(expected).then((a) => ({ ...a, at: performance.now() }));
      const complete = await arrived;
      const cpuToLastMs = cpuMs(c.pid) - cpuAtPost;
      const answer = await answered;
      if (answer.status < 200 || answer.status >= 300) throw new Error(`${c.name}: posting to the room answered ${answer.status} ${answer.error ?? ""}`);
      if (!complete) throw new Error(`${c.name}: fan-out run ${run}: only ${got}/${ROOM_SIZE} clients got the message in 60 s`);
      progress(`${c.name}: fan-out ${run}: first ${(firstAt - t0).toFixed(1)} ms, last ${(lastAt - t0).toFixed(1)} ms, POST answered ${(answer.at - t0).toFixed(1)} ms`);
      // What the server does after the frames left (Herald: receipts, unread counts) must not overlap the next run.
      const quietMs = await settle(c.pid, { thenMs: 500 });
      const cpuAllMs = cpuMs(c.pid) - cpuAtPost;
      runs.push({ lastMs: lastAt - t0, firstMs: firstAt - t0, answeredMs: answer.at - t0, cpuToLastMs, cpuAllMs });
      progress(`${c.name}: quiet again ${quietMs} ms later; server CPU ${cpuToLastMs.toFixed(0)} ms until the last client, ${cpuAllMs.toFixed(0)} ms in all`);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const fanout = {
      runs,
      best: Math.min(...runs.map((r) => r.lastMs)),
      median: median(runs.map((r) => r.lastMs)),
      cpuToLastMs: median(runs.map((r) => r.cpuToLastMs)),
      cpuAllMs: median(runs.map((r) => r.cpuAllMs)),
    };
    const heapPerConnectionKiB = c.inspectorPort ? await heapFreedByClosing(c, connections) : undefined;
    return { perConnectionKiB: (after - before) / ROOM_SIZE, rss: { before, after }, heapPerConnectionKiB, fanout, openSeconds };
  } finally {
    closeAll(connections);
  }
}

/**
 * Heap per idle connection: the server's heap after a full GC with the room's connections open,
 * less the same after they closed, per connection. Read last, through the inspector: a session,
 * once attached, slowed Herald's fan-out by half (measured), so nothing is timed after it.
 */
async function heapFreedByClosing(c: Contender, connections: LiveConnection[]): Promise<number> {
  const open = await heapAfterGc(c.inspectorPort!);
  closeAll(connections);
  await settle(c.pid, { thenMs: 1_000 });
  const closed = await heapAfterGc(c.inspectorPort!);
  progress(`${c.name}: heap after GC ${(open / 1048576).toFixed(1)} MiB with the room open, ${(closed / 1048576).toFixed(1)} MiB after it closed`);
  return (open - closed) / 1024 / ROOM_SIZE;
}

async function run(c: Contender): Promise<Figures> {
  // Latency first, on a fresh process: after the room phase, collecting 10,000 closed connections
  // lands in the middle of it (a 117 ms pause in one run). Memory is read as heap after a full GC,
  // which does not depend on what ran before.
  progress(`${c.name}: latency, ${RATE} events/s for ${LATENCY_SECONDS} s (after ${WARMUP_SECONDS} s warm-up)`);
  const latency = await measureLatency(c);
  progress(`${c.name}: latency p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, ${latency.arrived}/${latency.sent} arrived, ${latency.sustained.toFixed(0)}/s sustained`);
  return { latency, ...(await measureRoom(c)) };
}

// ---- the contenders ----------------------------------------------------------------------------

/** Children to kill if this process dies before it stops them (Herald runs in its own process group). */
const children = new Set<{ pid: number; group: boolean }>();
process.on("exit", () => {
  for (const child of children) {
    try {
      process.kill(child.group ? -child.pid : child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

async function herald(): Promise<Contender> {
  const inspectorPort = RUNTIME === "node" ? await freePort() : undefined;
  const server = await startHerald({ runtime: RUNTIME, env: { HERALD_LOG_LEVEL: "error", ...(inspectorPort ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` } : {}) } });
  // On workerd the process started is npx → wrangler; the Worker runs in its workerd child.
  const pid = RUNTIME === "workerd" ? descendantNamed(server.proc.pid!, "workerd") : server.proc.pid!;
  const child = { pid, group: true };
  children.add(child);
  const call = api(server.url);
  const must = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, body);
    if (answer.status >= 300) throw new Error(`Herald: ${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
    return answer.body;
  };
  const tokenFor = async (id: string): Promise<string> => {
    await must("PUT", `/v1/subscribers/${id}`, { name: id });
    return (await must("POST", `/v1/subscribers/${id}/tokens`, {})).token;
  };
  await must("PUT", "/v1/templates/bench-rt", { channels: { realtime: { title: "Bench", body: "{{data.key}}" } } });
  await must("PUT", "/v1/rules/bench-rt", { event: "bench.realtime", steps: [{ channel: "realtime", template: "bench-rt" }] });
  const latencyToken = await tokenFor("bench-latency");
  const http = poster(server.url, { authorization: `Bearer ${TEST_API_KEY}` });
  const tokens: string[] = [];
  return {
    name: RUNTIME === "node" ? "Herald" : `Herald/${RUNTIME}`,
    inspectorPort,
    pid,
    sendEvent: (key) => http.post("/v1/events", { type: "bench.realtime", id: key, to: "bench-latency", data: { key } }),
    openLatencyClient: (onFrame) => openHeraldSocket(server.url, latencyToken, onFrame),
    async prepareRoom(size) {
      await must("PUT", `/v1/topics/${ROOM}`, { name: "Bench room" });
      await inParallel(size, SETUP_CONCURRENCY, async (i) => {
        tokens[i] = await tokenFor(`room-${i}`);
        await must("PUT", `/v1/topics/${ROOM}/subscribers/room-${i}`);
        if ((i + 1) % 2000 === 0) progress(`Herald: ${i + 1} subscribers ready`);
      });
    },
    openRoomClient: (i, onFrame) => openHeraldSocket(server.url, tokens[i]!, onFrame),
    postToRoom: (body) => http.post(`/v1/topics/${ROOM}/messages`, { body, system: true }),
    messageBody: (frame) => (frame.type === "message" ? frame.body : undefined),
    notificationBody: (frame) => (frame.type === "notification" ? frame.body : undefined),
    async stop() {
      http.close();
      await server.stop();
      children.delete(child);
      // startHerald made a fresh folder for the database; 10,000 subscribers' worth is not worth keeping.
      const folder = dirname(server.databaseUrl.replace(/^file:/, ""));
      if (dirname(folder) === tmpdir() && basename(folder).startsWith("herald-test-")) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The first process below `root` whose command name is `name` (from /proc). */
function descendantNamed(root: number, name: string): number {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* gone */
    }
  }
  const below = (pid: number): boolean => pid === root || (parents.has(pid) && pid !== 1 && below(parents.get(pid)!));
  const found = [...names].find(([pid, comm]) => comm === name && below(pid));
  if (!found) throw new Error(`no ${name} process below ${root}`);
  return found[0];
}

async function startSocketIo(): Promise<{ url: string; proc: ChildProcess; inspectorPort: number }> {
  const inspectorPort = await freePort();
  const proc = spawn(process.execPath, [`--inspect=127.0.0.1:${inspectorPort}`, "--import", "tsx", "bench/support/realtime-socketio-server.ts"], { stdio: ["ignore", "pipe", "pipe"] });
  // The inspector announces itself on stderr; anything else the server says there is passed on.
  proc.stderr!.on("data", (d: Buffer) => {
    const text = d.toString().replace(/^(Debugger |For help, see).*\n/gm, "");
    if (text) process.stderr.write(text);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`the Socket.IO server exited with ${code} before it was ready`)));
  });
  return { url, proc, inspectorPort };
}

async function socketIo(): Promise<Contender> {
  const { url, proc, inspectorPort } = await startSocketIo();
  const child = { pid: proc.pid!, group: false };
  children.add(child);
  const http = poster(url);
  let seq = 0;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  return {
    name: "Socket.IO",
    pid: proc.pid!,
    inspectorPort,
    sendEvent: (key) => http.post("/emit", { room: "bench-latency", event: "notification", payload: itemLike("notification", key, ++seq, ROOM) }),
    openLatencyClient: (onFrame) => openSocketIo(url, "bench-latency", onFrame),
    prepareRoom: async () => {},
    openRoomClient: (_i, onFrame) => openSocketIo(url, ROOM, onFrame),
    postToRoom: (body) => http.post("/emit", { room: ROOM, event: "message", payload: itemLike("message", body, ++seq, ROOM) }),
    messageBody: (frame) => (frame?.type === "message" ? frame.body : undefined),
    notificationBody: (frame) => (frame?.type === "notification" ? frame.body : undefined),
    async stop() {
      http.close();
      proc.kill("SIGTERM");
      await exited;
      children.delete(child);
    },
  };
}

// ---- report ------------------------------------------------------------------------------------

function table(h: Figures, s: Figures): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const ms2 = (v: number) => `${v.toFixed(2)} ms`;
  const perSecond = (ms: number) => (ROOM_SIZE / ms) * 1000;
  const hThroughput = perSecond(h.fanout.median);
  const sThroughput = perSecond(s.fanout.median);
  const ratio = hThroughput / sThroughput;
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const n = ROOM_SIZE.toLocaleString("en");
  const rows: [string, string, string, string, string][] = [
    ["measure", "Herald", "Socket.IO", "target", "Herald"],
    [`latency p50 (${RATE}/s, ${LATENCY_SECONDS} s, open loop)`, ms(h.latency.p50), ms(s.latency.p50), "", ""],
    ["latency p99", ms(h.latency.p99), ms(s.latency.p99), `< ${TARGET.p99Ms} ms`, verdict(h.latency.p99 < TARGET.p99Ms)],
    ["latency max", ms(h.latency.max), ms(s.latency.max), "", ""],
    [`frames/s the client got (sent ${RATE}/s)`, `${h.latency.sustained.toFixed(0)}/s`, `${s.latency.sustained.toFixed(0)}/s`, "", ""],
    ["server CPU per event", ms2(h.latency.cpuMsPerEvent), ms2(s.latency.cpuMsPerEvent), "", ""],
    ["events arrived / sent (non-2xx)", `${h.latency.arrived}/${h.latency.sent} (${h.latency.rejected})`, `${s.latency.arrived}/${s.latency.sent} (${s.latency.rejected})`, "", ""],
    [`fan-out to ${n}, best of ${FANOUT_RUNS}`, ms(h.fanout.best), ms(s.fanout.best), "", ""],
    [`fan-out to ${n}, median of ${FANOUT_RUNS}`, ms(h.fanout.median), ms(s.fanout.median), `< ${TARGET.fanoutMs} ms`, verdict(h.fanout.median < TARGET.fanoutMs)],
    ["server CPU per fan-out: to last client", ms(h.fanout.cpuToLastMs), ms(s.fanout.cpuToLastMs), "", ""],
    ["server CPU per fan-out: until quiet", ms(h.fanout.cpuAllMs), ms(s.fanout.cpuAllMs), "", ""],
    ["fan-out throughput (median), msg/s", Math.round(hThroughput).toLocaleString("en"), Math.round(sThroughput).toLocaleString("en"), "", ""],
    ["throughput ratio Herald / Socket.IO", `${ratio.toFixed(2)}×`, "1.00×", `≥ ${TARGET.throughputRatio}×`, verdict(ratio >= TARGET.throughputRatio)],
    [`RSS before / after ${n} idle`, `${mib(h.rss.before)} / ${mib(h.rss.after)}`, `${mib(s.rss.before)} / ${mib(s.rss.after)}`, "", ""],
    ["RSS per idle connection", kib(h.perConnectionKiB), kib(s.perConnectionKiB), "", ""],
    h.heapPerConnectionKiB !== undefined && s.heapPerConnectionKiB !== undefined
      ? ["heap per idle connection (full GC, open − closed)", kib(h.heapPerConnectionKiB), kib(s.heapPerConnectionKiB), `< ${TARGET.perConnectionKiB} KiB`, verdict(h.heapPerConnectionKiB < TARGET.perConnectionKiB)]
      : ["memory per idle connection (RSS)", kib(h.perConnectionKiB), kib(s.perConnectionKiB), `< ${TARGET.perConnectionKiB} KiB`, verdict(h.perConnectionKiB < TARGET.perConnectionKiB)],
    [`time to open ${n} connections`, `${h.openSeconds.toFixed(1)} s`, `${s.openSeconds.toFixed(1)} s`, "", ""],
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const line = (r: string[]) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join(" | ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.slice(1).map(line)].join("\n");
}

const mib = (kibValue: number) => `${(kibValue / 1024).toFixed(0)} MiB`;
const kib = (v: number) => `${v.toFixed(2)} KiB`;

function runsLine(name: string, f: Figures): string {
  return `${name.padEnd(9)} fan-out runs (first / last client, POST answered): ${f.fanout.runs.map((r) => `${r.firstMs.toFixed(0)}/${r.lastMs.toFixed(0)}/${r.answeredMs.toFixed(0)}`).join("  ")} ms`;
}

/** Which Herald was measured: others commit to this tree while benches run. */
function revision(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { encoding: "utf8" }).trim() !== "";
    return `${head}${dirty ? " + uncommitted src/ changes" : ""}`;
  } catch {
    return "unknown (no git)";
  }
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

async function main() {
  const loadBefore = load();
  const figures: Figures[] = [];
  for (const start of process.env.BENCH_ONLY === "herald" ? [herald] : [herald, socketIo]) {
    const contender = await start();
    try {
      figures.push(await run(contender));
    } finally {
      await contender.stop();
    }
    // Sockets were closed above; let the kernel and this process let go of them before the next server.
    await sleep(2_000);
  }
  const [h, s] = figures as [Figures, Figures];
  if (!s) {
    console.log(`\nHerald on ${RUNTIME} (${revision()}), ${ROOM_SIZE.toLocaleString("en")} room clients, ${availableParallelism()} cores; load average before ${loadBefore}, after ${load()}`);
    console.log(JSON.stringify({ latency: h.latency, perConnectionKiB: h.perConnectionKiB, heapPerConnectionKiB: h.heapPerConnectionKiB, rss: h.rss, fanout: h.fanout, openSeconds: h.openSeconds }, null, 2));
    console.log(runsLine("Herald", h));
    return;
  }
  console.log(`\nHerald real-time benchmark: Herald ${revision()} vs socket.io ${createRequire(import.meta.url)("socket.io/package.json").version}, node ${process.version}, ${availableParallelism()} cores`);
  console.log(`each server its own process, all ${ROOM_SIZE.toLocaleString("en")} clients in this one; load average before ${loadBefore}, after ${load()}\n`);
  console.log(table(h, s));
  console.log();
  console.log(runsLine("Herald", h));
  console.log(runsLine("Socket.IO", s));
  console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
// Lingering client sockets (after a failed run) must not keep the benchmark alive; the exit
// handler above kills any server still running.
process.exit();
