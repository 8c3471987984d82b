import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Moves SQLite's WAL checkpoints off the event loop. The embedded driver is synchronous, and with
 * the default auto-checkpoint every ~1,000 WAL pages one commit in a hundred also copied those
 * pages into the database file and fsynced it: 5–20 ms during which no request, frame or timer
 * ran (bench/realtime: 84 commits over 5 ms in 3,000 in-app events; the p99 came from them). Here
 * the main connection never checkpoints and a worker thread with its own connection runs PASSIVE
 * checkpoints, which never block the writer. If the worker dies, `onFailure` hands checkpoints
 * back to the main connection, so the WAL cannot grow without bound.
 */
export interface WalCheckpointer {
  stop(): Promise<void>;
}

const INTERVAL_MS = 250;

// Plain JavaScript, evaluated as the worker's source: no loader or build step is needed to start it.
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 1000");
let stopped = false;
parentPort.on("message", () => { stopped = true; });
const tick = () => {
  if (stopped) { db.close(); parentPort.postMessage("stopped"); return; }
  db.pragma("wal_checkpoint(PASSIVE)");
  setTimeout(tick, workerData.intervalMs);
};
tick();
`;

export function startWalCheckpointer(path: string, onFailure: (error: Error) => void): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("libsql");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS } });
  let stopping = false;
  worker.on("error", (error) => {
    if (!stopping) onFailure(error instanceof Error ? error : new Error(String(error)));
  });
  worker.unref();
  return {
    async stop() {
      stopping = true;
      const stopped = new Promise<void>((resolve) => {
        worker.once("message", () => resolve());
        worker.once("exit", () => resolve());
      });
      worker.postMessage("stop");
      await stopped;
      await worker.terminate();
    },
  };
}
