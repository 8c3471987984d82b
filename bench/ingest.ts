/**
 * bench/ingest: how fast Herald accepts events durably (202), and how long an event takes to reach
 * a Mattermost peer at a steady rate.
 *
 *   npx tsx bench/ingest.ts            (or: npm run bench:ingest)
 *
 * Herald runs as its own process (as `npm start` runs it) on its default embedded libSQL file
 * (WAL, synchronous=NORMAL). Acceptance is measured for three kinds of event, side by side:
 *   - no rule matches (the event is only stored);
 *   - a rule matches and plans a notification, its delivery job due later (planned, not sent yet);
 *   - a rule matches and delivers at once to a local Mattermost peer, so sending competes with
 *     accepting for the same 2 cores (the peer and this load generator run here too).
 */
import autocannon from "autocannon";
import { type ChildProcess, spawn } from "node:child_process";
import { startMattermostPeer } from "../src/channels/mattermost/mattermost.peer.js";
import { api, startHerald, TEST_API_KEY } from "../tests/support/server.js";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const RATE = 200;
const RATE_SECONDS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function load(url: string, connections: number, body: () => string) {
  return autocannon({
    url,
    connections,
    duration: DURATION_S,
    method: "POST",
    headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
}

function row(label: string, connections: number, result: autocannon.Result): string {
  const perSecond = Math.round(result["2xx"] / DURATION_S);
  return `${label.padEnd(26)} | ${String(connections).padStart(11)} | ${String(perSecond).padStart(16)} | ${`${result.latency.p50} ms`.padStart(11)} | ${`${result.latency.p99} ms`.padStart(7)} | ${result.non2xx}`;
}

async function startBareHono(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "bench/support/bare-hono.ts"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve) => proc.stdout!.on("data", (d: Buffer) => {
    const m = /"url":"([^"]+)"/.exec(d.toString());
    if (m) resolve(m[1]!);
  }));
  return { url, proc };
}

async function main() {
  const peer = await startMattermostPeer();
  const herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_LOG_LEVEL: "error" } });
  const call = api(herald.url);
  await call("PUT", "/v1/templates/bench", { channels: { mattermost: { text: "Order {{data.order}} is {{data.status}}" } } });
  await call("PUT", "/v1/rules/bench", { event: "bench.order", to: { subscriber: "ops" }, steps: [{ channel: "mattermost", template: "bench" }] });
  await call("PUT", "/v1/rules/bench-later", { event: "bench.later", to: { subscriber: "ops" }, steps: [{ channel: "mattermost", template: "bench", delay: "1h" }] });

  console.log(`Herald ingest benchmark (node ${process.version}, ${DURATION_S}s per level)\n`);
  console.log("event kind                 | concurrency | accepted/s (202) | latency p50 | p99     | non-2xx");
  let seq = 0;
  const bare = await startBareHono();
  for (const connections of [1, 16, 64]) {
    const result = await load(`${bare.url}/v1/events`, connections, () => JSON.stringify({ id: `bare-${seq++}`, type: "x" }));
    console.log(row("bare Hono JSON echo", connections, result));
  }
  bare.proc.kill("SIGTERM");
  const kinds = [
    ["no matching rule", "bench.unmatched"],
    ["planned (delivery later)", "bench.later"],
    ["planned and sent at once", "bench.order"],
  ] as const;
  for (const [label, type] of kinds)
  for (const connections of [1, 16, 64]) {
    const result = await load(`${herald.url}/v1/events`, connections, () =>
      JSON.stringify({ id: `bench-${connections}-${seq++}`, type, data: { order: seq, status: "courier" } }),
    );
    console.log(row(label, connections, result));
  }

  // Let the backlog from the throughput runs drain so it does not distort the latency run.
  const drainStart = Date.now();
  for (;;) {
    const stats = await call("GET", "/v1/stats");
    // Jobs of the "delivery later" kind are due in an hour: wait only for what is due now.
    if (stats.body.outbox.due === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`\nbacklog drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s (delivered to the peer: ${peer.received.length})`);

  // Open loop: one event every 5 ms regardless of answers, then time POST → peer arrival.
  peer.received.length = 0;
  const sentAt = new Map<string, number>();
  const total = RATE * RATE_SECONDS;
  const started = performance.now();
  const posts: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = `rate-${i}`;
    sentAt.set(String(i), Date.now());
    posts.push(call("POST", "/v1/events", { id, type: "bench.order", data: { order: i, status: "delivered" } }));
  }
  await Promise.all(posts);
  const deadline = Date.now() + 30_000;
  while (peer.received.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const latencies = peer.received
    .map((p) => {
      const n = /Order (\d+) is delivered/.exec(p.text)?.[1];
      return n === undefined ? undefined : p.at - sentAt.get(n)!;
    })
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  console.log(`\nevent → Mattermost peer at ${RATE} events/s for ${RATE_SECONDS}s: ${latencies.length}/${total} arrived`);
  console.log(`latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms`);

  await herald.stop();
  await peer.close();
}

await main();
