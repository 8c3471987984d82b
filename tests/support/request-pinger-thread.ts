/**
 * The thread of request-pinger.ts: sends its requests one at a time, one every `everyMs`, and
 * answers "stop" with the slowest answer per request and how many were sent. Its own event loop
 * keeps time while the main thread is held: a request sent during a hold waits in the socket.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PingReport, PingRequest } from "./request-pinger.js";

const { url, everyMs, requests } = workerData as { url: string; everyMs: number; requests: PingRequest[] };
const report: PingReport = { sent: 0, slowestMs: {}, failures: [] };
let stopping = false;

async function ping(request: PingRequest): Promise<void> {
  const key = `${request.method} ${request.path}`;
  const started = performance.now();
  try {
    const response = await fetch(url + request.path, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(60_000) });
    await response.arrayBuffer();
    if (!response.ok) report.failures.push(`${key}: ${response.status}`);
  } catch (error) {
    report.failures.push(`${key}: ${(error as Error).message}`);
  }
  report.slowestMs[key] = Math.max(report.slowestMs[key] ?? 0, performance.now() - started);
  report.sent++;
}

async function loop(): Promise<void> {
  for (let i = 0; !stopping; i++) {
    const next = performance.now() + everyMs;
    await ping(requests[i % requests.length]!);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
}

const running = loop();
parentPort!.on("message", async () => {
  stopping = true;
  await running;
  parentPort!.postMessage(report);
});
