/**
 * bench/push-ceiling: what this machine allows a web-push sender, measured with the least work a
 * correct send needs (bench/push measures Herald's channel against `web-push`). The main thread
 * only builds each payload; `BENCH_THREADS` sender threads (support/push-ceiling-thread.ts) each
 * encrypt with Herald's push-encrypt.ts and POST to the same peer process as bench/push, over
 * HTTP/2 (one session per thread) and over undici's HTTP/1.1 keep-alive pool. No timeouts, SSRF
 * guard, receipts or result mapping: a ceiling, not a sender anyone should ship.
 *
 *   npx tsx bench/push-ceiling.ts        (BENCH_PUSH_N=10000 BENCH_PUSH_CONCURRENCY=64 BENCH_THREADS=1,2 BENCH_TRANSPORTS=h2,h1)
 *
 * Each configuration runs twice (the first warms the threads' JIT); the second is reported, beside
 * the lean encryption limit bench/push reports (one encryption, best of 10 batches, one core).
 */
import { createECDH, randomBytes } from "node:crypto";
import { decodePushKeys, encryptPushMessage } from "../src/lib/push-encrypt.js";
import { startThread } from "../src/runtimes/node/threads/start-thread.js";
import { pool, spawnJsonPeer } from "./support/harness.js";

const N = Number(process.env.BENCH_PUSH_N ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_PUSH_CONCURRENCY ?? 64);
const THREADS = (process.env.BENCH_THREADS ?? "1,2").split(",").map(Number);
// Sent with every message, as a sender with a cached VAPID JWT would (the JWT's length, not a real one).
const HEADERS = { authorization: `vapid t=${"x".repeat(300)}, k=${"y".repeat(87)}`, "content-encoding": "aes128gcm", ttl: "86400", urgency: "high", topic: "order-1234", "content-type": "application/octet-stream" };

const peer = await spawnJsonPeer<{ url: string; http1Url: string }>("bench/support/push-peer-process.ts");
const peerCpuUs = async () => (await peer.ask<{ cpuUs: number }>("count")).cpuUs;
const targets = Array.from({ length: N }, (_, i) => ({ path: `/push/s${i}`, p256dh: createECDH("prime256v1").generateKeys(), auth: randomBytes(16) }));

const payloadFor = (i: number) =>
  new TextEncoder().encode(
    JSON.stringify({
      title: "Order #1234: the courier is on the way",
      body: "Courier Almaz is on the way, arriving in 8 minutes. Call +7 900 000-00-00 if you need anything.",
      data: { notificationId: `ntf_${i}`, url: "https://shop.example/orders/1234", token: "x".repeat(120) },
    }),
  );

// The lean limit, as bench/push measures it.
const keys = decodePushKeys(Buffer.from(targets[0]!.p256dh).toString("base64url"), Buffer.from(targets[0]!.auth).toString("base64url"));
const plain = payloadFor(0);
for (let i = 0; i < 300; i++) encryptPushMessage(plain, keys);
let bestUs = Infinity;
for (let batch = 0; batch < 10; batch++) {
  const start = performance.now();
  for (let i = 0; i < 300; i++) encryptPushMessage(plain, keys);
  bestUs = Math.min(bestUs, ((performance.now() - start) * 1000) / 300);
}
const limit = 1e6 / bestUs;

async function measure(transport: "h2" | "h1", threads: number): Promise<string> {
  const workers = Array.from({ length: threads }, () => startThread(new URL("./support/push-ceiling-thread.ts", import.meta.url), { workerData: { ...peer.hello, transport, headers: HEADERS } }));
  for (const w of workers) w.on("error", (error) => console.error("sender thread failed:", error));
  const waiting = new Map<number, (status: number) => void>();
  for (const w of workers) w.on("message", (batch: { id: number; status: number }[]) => batch.forEach((a) => waiting.get(a.id)!(a.status)));
  const queues: unknown[][] = workers.map(() => []);
  let flushing = false;
  const flush = () => {
    flushing = false;
    queues.forEach((q, k) => q.length > 0 && workers[k]!.postMessage(q.splice(0)));
  };
  let nextId = 0;
  const send = (i: number) =>
    new Promise<number>((resolve) => {
      const id = ++nextId;
      const target = targets[i % N]!;
      waiting.set(id, (status) => (waiting.delete(id), resolve(status)));
      const k = id % threads;
      if (queues[k]!.push({ id, path: target.path, plaintext: payloadFor(i), p256dh: target.p256dh, auth: target.auth }) >= 16) workers[k]!.postMessage(queues[k]!.splice(0));
      else if (!flushing) (flushing = true), setImmediate(flush);
    });
  let line = "";
  for (let run = 0; run < 2; run++) {
    let failed = 0;
    const peerBefore = await peerCpuUs();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await pool(N, CONCURRENCY, async (i) => void ((await send(i)) === 201 || failed++));
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const peerUs = (await peerCpuUs()) - peerBefore;
    const rate = N / seconds;
    line = `${transport === "h2" ? "HTTP/2 session" : "HTTP/1.1 undici"} × ${threads} thread${threads > 1 ? "s" : " "} | ${String(Math.round(rate)).padStart(6)} | ${`${((100 * rate) / limit).toFixed(0)}%`.padStart(10)} | ${((used.user + used.system) / N).toFixed(0).padStart(10)} µs | ${(peerUs / N).toFixed(0).padStart(5)} µs | ${failed}`;
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return line;
}

console.log(`\nbench/push-ceiling: ${N} messages, concurrency ${CONCURRENCY}, node ${process.version}`);
console.log(`one encryption (Herald push-encrypt.ts, best of 10 batches): ${bestUs.toFixed(0)} µs → limit ${Math.round(limit)} msg/s per core\n`);
console.log("sender                        | msg/s  | % of limit | sender CPU/msg | peer CPU | failed");
for (const threads of THREADS) for (const transport of (process.env.BENCH_TRANSPORTS ?? "h2,h1").split(",") as ("h2" | "h1")[]) console.log(await measure(transport, threads));
peer.stop();
