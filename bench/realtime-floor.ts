/**
 * bench/realtime-floor: how fast can any Node server on this machine fan one message out to 10,000
 * WebSocket clients, beside the Socket.IO server of bench/realtime, with the same load generator?
 *
 *   npx tsx bench/realtime-floor.ts      (BENCH_ROOM_SIZE=10000, 5 fan-outs per server; about 2 minutes)
 *
 * Issue #3 asks Herald for at least 1.5× Socket.IO's fan-out throughput. This measures what stands
 * between any server and that: a server that stores nothing (bench/support/realtime-floor-server.ts)
 * sends one message to every client, either as one pre-built WebSocket frame written to every TCP
 * socket (`raw`: no framing, copying or bookkeeping per socket, the least a Node process can do) or
 * through the `ws` library's `send` (`ws`). Time is from the POST until the last client got it,
 * clients as in bench/realtime (`ws` clients in this process parsing JSON, Socket.IO's own client
 * for Socket.IO), each server in its own process, every connection closed between servers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { closeAll, itemLike, type LiveConnection, type OnFrame, openHeraldSocket, openMany, openSocketIo, poster } from "./support/realtime-clients.js";
import { settle } from "./support/realtime-process.js";

const ROOM_SIZE = Number(process.env.BENCH_ROOM_SIZE ?? 10_000);
const RUNS = 5;
const OPEN_BATCH = 100;
const ROOM = "bench-room";

/** bench/realtime's room message, so every server carries frames of one size. */
const item = (body: string) => itemLike("message", body, 1, ROOM);

function startServer(script: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve({ url: m[1]!, proc });
    });
    proc.once("exit", (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

interface Server {
  name: string;
  script: string;
  open(url: string, onFrame: OnFrame): Promise<LiveConnection>;
  emit(post: ReturnType<typeof poster>, body: string): Promise<{ status: number }>;
}

/** Median and every run of "time until the last of ROOM_SIZE clients got the message". */
async function measure(server: Server): Promise<number[]> {
  const { url, proc } = await startServer(server.script);
  const post = poster(url);
  let expected = "";
  let got = 0;
  let lastAt = 0;
  let allIn = () => {};
  const onFrame: OnFrame = (frame, at) => {
    if (frame?.type !== "message" || frame.body !== expected) return;
    if (++got === ROOM_SIZE) {
      lastAt = at;
      allIn();
    }
  };
  const connections = await openMany(ROOM_SIZE, OPEN_BATCH, () => server.open(url, onFrame));
  const lastMs: number[] = [];
  try {
    await settle(proc.pid!);
    for (let run = 1; run <= RUNS; run++) {
      expected = `${server.name}-${run}`;
      got = 0;
      const arrived = new Promise<boolean>((resolve) => {
        allIn = () => resolve(true);
        setTimeout(() => resolve(false), 30_000);
      });
      const t0 = performance.now();
      const answer = await server.emit(post, expected);
      if (answer.status !== 202) throw new Error(`${server.name}: emit answered ${answer.status}`);
      if (!(await arrived)) throw new Error(`${server.name}: only ${got}/${ROOM_SIZE} clients got run ${run}`);
      lastMs.push(lastAt - t0);
      await settle(proc.pid!, { thenMs: 500 });
    }
  } finally {
    closeAll(connections);
    post.close();
    proc.kill("SIGTERM");
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return lastMs;
}

const servers: Server[] = [
  { name: "floor: one pre-built frame written to each socket", script: "bench/support/realtime-floor-server.ts", open: (url, onFrame) => openHeraldSocket(url, "-", onFrame), emit: (post, body) => post.post("/emit?mode=raw", item(body)) },
  { name: "floor: ws.send of one pre-serialized text", script: "bench/support/realtime-floor-server.ts", open: (url, onFrame) => openHeraldSocket(url, "-", onFrame), emit: (post, body) => post.post("/emit?mode=ws", item(body)) },
  { name: "Socket.IO io.to(room).emit", script: "bench/support/realtime-socketio-server.ts", open: (url, onFrame) => openSocketIo(url, ROOM, onFrame), emit: (post, body) => post.post("/emit", { room: ROOM, event: "message", payload: item(body) }) },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`bench/realtime-floor: one message to ${ROOM_SIZE} WebSocket clients, ${RUNS} times per server; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}, node ${process.version}\n`);
const results: [string, number[]][] = [];
for (const server of servers) {
  const runs = await measure(server);
  results.push([server.name, runs]);
  console.error(`${server.name}: ${runs.map((ms) => ms.toFixed(0)).join(" / ")} ms`);
}
const socketIo = median(results.at(-1)![1]);
console.log("server                                             | last client, median | each run, ms             | throughput vs Socket.IO");
for (const [name, runs] of results) {
  console.log(`${name.padEnd(50)} | ${`${median(runs).toFixed(1)} ms`.padStart(19)} | ${runs.map((ms) => ms.toFixed(0)).join(" / ").padEnd(24)} | ${(socketIo / median(runs)).toFixed(2)}×`);
}
