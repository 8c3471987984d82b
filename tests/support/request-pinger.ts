/**
 * A client on its own thread that keeps asking a server something (`GET /healthz`, `POST /v1/events`)
 * and reports the slowest answers: how long a request waited while the server's event loop was
 * held. A request sent from the server's own thread would only start after the hold.
 */
import { startThread } from "../../src/runtimes/node/threads/start-thread.js";

export interface PingRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface PingReport {
  sent: number;
  /** The slowest answer per "METHOD path", in ms (from sending to the last byte). */
  slowestMs: Record<string, number>;
  /** Answers that were not 2xx, or requests that failed, as "METHOD path: why". */
  failures: string[];
}

/**
 * @example
 * const pinger = startPinger("http://127.0.0.1:8787", [{ method: "GET", path: "/healthz" }]);
 * await work();
 * const { slowestMs } = await pinger.stop();
 */
export function startPinger(url: string, requests: PingRequest[], everyMs = 50): { stop(): Promise<PingReport> } {
  const thread = startThread(new URL("./request-pinger-thread.ts", import.meta.url), { workerData: { url, everyMs, requests } });
  const report = new Promise<PingReport>((resolve, reject) => {
    thread.once("message", resolve);
    thread.once("error", reject);
  });
  return {
    async stop() {
      thread.postMessage("stop");
      const answer = await report;
      await thread.terminate();
      return answer;
    },
  };
}
