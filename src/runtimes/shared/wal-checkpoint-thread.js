// @ts-check
/**
 * The WAL checkpoint thread (started by wal-checkpointer.ts). Plain JavaScript on purpose: Node
 * starts a worker's module without the parent's loader, and registering tsx inside the thread cost
 * ~30 MiB and a second of start-up (measured); as written it runs on Node and Deno alike.
 *
 * Each tick it copies the WAL into the database file with a PASSIVE checkpoint, which never blocks
 * the writer. That alone does not bound the WAL: SQLite writes the WAL from its start again only
 * when a write transaction begins while every frame is already copied, and under steady writes
 * each checkpoint ends with newer frames behind it, so the file grew for as long as the load lasted
 * (bench/soak: ~25 MiB/s at 500 events/s on a busy machine; a writer that never pauses, faster).
 * Two more steps bound it:
 *   - when the WAL holds more than `restartAtBytes`, a RESTART checkpoint, which copies what the
 *     PASSIVE passes left and makes the next write start the WAL over;
 *   - when nothing was written for `quietMs`, a TRUNCATE checkpoint, which empties the file.
 * Both hold the write lock, and a writer that never pauses would never let them have it, so the
 * main thread first holds its statements back ("pause" → "paused") and lets them go when the
 * checkpoint is reported: writes wait for that one checkpoint, nothing else does.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";

/** @type {{ path: string, driver: string, intervalMs: number, restartAtBytes: number, quietMs: number }} */
const options = workerData;
/** @type {new (path: string) => { pragma(source: string): Record<string, number>[], close(): void }} */
const Database = createRequire(import.meta.url)(options.driver);
const db = new Database(options.path);
// The main thread holds its statements back during a blocking checkpoint; a short wait covers a
// reader that started just before (a longer one, such as a backup, makes the checkpoint give up).
db.pragma("busy_timeout = 20");
const pageSize = Number(db.pragma("page_size")[0]?.page_size ?? 4096);

let stopped = false;
let lastLog = -1;
let quietSince = Date.now();
// A blocking checkpoint that came back busy met a reader holding an old snapshot (a backup, say):
// until it is done another try would only hold writes back again, so tries space out.
let blockedUntil = 0;
let backoffMs = 0;
/** @type {(() => void) | undefined} */
let onPaused;
parentPort?.on("message", (/** @type {{ type: "stop" | "paused" }} */ message) => {
  if (message.type === "paused") onPaused?.();
  else stopped = true;
});

/** Runs one checkpoint; answers SQLite's [busy, frames in the WAL, frames copied] and how long it took. */
function checkpoint(/** @type {"PASSIVE" | "RESTART" | "TRUNCATE"} */ mode) {
  const started = performance.now();
  const row = db.pragma(`wal_checkpoint(${mode})`)[0] ?? {};
  return { mode, busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed), ms: performance.now() - started };
}

/** A checkpoint that holds the write lock, run while the main thread holds its statements back. */
async function blocking(/** @type {"RESTART" | "TRUNCATE"} */ mode) {
  await new Promise((resolve) => {
    onPaused = () => resolve(undefined);
    parentPort?.postMessage({ type: "pause" });
  });
  onPaused = undefined;
  let result;
  try {
    result = checkpoint(mode);
  } finally {
    // Always answered: the main thread lets its statements go on this message.
    parentPort?.postMessage({ type: "checkpoint", ...result });
  }
  backoffMs = result.busy ? Math.min(30_000, Math.max(250, backoffMs * 2)) : 0;
  blockedUntil = Date.now() + backoffMs;
  return result;
}

async function tick() {
  if (stopped) {
    db.close();
    parentPort?.postMessage({ type: "stopped" });
    return;
  }
  let result = checkpoint("PASSIVE");
  const now = Date.now();
  // New frames since the last tick; a WAL a RESTART left whole stays the same size until the next write.
  const written = result.log !== lastLog;
  if (written) quietSince = now;
  lastLog = result.log;
  if (now < blockedUntil) {
    // Backing off: PASSIVE passes only.
  } else if (written && result.log * pageSize > options.restartAtBytes) {
    // Frames written during a long pass are left for the next: one more pass copies most of them
    // without blocking anyone, so the RESTART has little left to copy while writes wait. Far past
    // the mark, writes are outrunning the copy: they wait for it at once.
    if (result.ms > 5 && result.log * pageSize < 2 * options.restartAtBytes) checkpoint("PASSIVE");
    await blocking("RESTART");
  } else if (result.log > 0 && result.checkpointed === result.log && now - quietSince >= options.quietMs) {
    if ((await blocking("TRUNCATE")).busy === 0) lastLog = 0;
  }
  setTimeout(tick, options.intervalMs);
}

void tick();
