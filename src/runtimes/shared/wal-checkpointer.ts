import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import { startThread } from "../node/threads/start-thread.js";
import type { StatementGate } from "./statement-gate.js";

/**
 * Moves SQLite's WAL checkpoints off the event loop and keeps the WAL bounded. The embedded driver
 * is synchronous, and with the default auto-checkpoint every ~1,000 WAL pages one commit in a
 * hundred also copied those pages into the database file and fsynced it: 5–20 ms during which no
 * request, frame or timer ran (bench/realtime: 84 commits over 5 ms in 3,000 in-app events; the
 * p99 came from them). Here the main connection never checkpoints; a thread with its own
 * connection (wal-checkpoint-thread.js) does, and restarts or truncates the WAL when it is large
 * or idle, holding the main connection's statements back meanwhile (`gate`). If the thread dies,
 * `onFailure` hands checkpoints back to the main connection, so the WAL cannot grow without bound.
 */
export interface WalCheckpointer {
  stop(): Promise<void>;
  /** Checkpoints that restarted or truncated the WAL, and the longest time statements were held back for one. */
  stats(): { restarts: number; truncates: number; busy: number; longestMs: number };
  /** The thread, for tests that need it to die. */
  readonly thread: Worker;
}

export interface WalCheckpointerOptions {
  /** Called once if the thread stops by itself (an error, or it exited). */
  onFailure: (error: Error) => void;
  /** Holds the main connection's statements back while a checkpoint that needs the write lock runs. */
  gate: StatementGate;
  /** Between two checkpoints. Default 100 ms (a pass with nothing to copy costs microseconds). */
  intervalMs?: number;
  /**
   * WAL size past which the thread makes the WAL start over. Default 16 MiB: at 500 events/s the
   * WAL grows ~25 MiB/s, so with a tick every 100 ms it stays well under 64 MiB.
   */
  restartAtBytes?: number;
  /** No write for this long: the WAL file is truncated to nothing. Default 1 s. */
  quietMs?: number;
}

/** What the thread reports after each checkpoint that held the write lock. */
interface CheckpointReport {
  type: "checkpoint";
  mode?: "RESTART" | "TRUNCATE";
  busy?: number;
  ms?: number;
}

type ThreadMessage = CheckpointReport | { type: "pause" } | { type: "stopped" };

/**
 * A thread that writes no longer than this with statements held back is not answering; they go
 * on (SQLite's own locks still keep the database right, writers then wait in the busy handler).
 */
const GATE_DEADLINE_MS = 2000;

export function startWalCheckpointer(path: string, options: WalCheckpointerOptions): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("libsql");
  const thread = startThread(new URL("./wal-checkpoint-thread.js", import.meta.url), {
    workerData: {
      path,
      driver,
      intervalMs: options.intervalMs ?? 100,
      restartAtBytes: options.restartAtBytes ?? 16 * 1024 * 1024,
      quietMs: options.quietMs ?? 1000,
    },
  });
  const { gate } = options;
  const stats = { restarts: 0, truncates: 0, busy: 0, longestMs: 0 };
  let stopping = false;
  let failed = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let shutAt = 0;
  const openGate = () => {
    clearTimeout(deadline);
    gate.open();
  };
  const fail = (error: Error) => {
    openGate();
    if (stopping || failed) return;
    failed = true;
    options.onFailure(error);
  };
  thread.on("message", (message: ThreadMessage) => {
    if (message.type === "pause") {
      // No statement is running here: each runs to completion before the event loop turns.
      gate.shut();
      shutAt = performance.now();
      deadline = setTimeout(openGate, GATE_DEADLINE_MS);
      thread.postMessage({ type: "paused" });
    } else if (message.type === "checkpoint") {
      openGate();
      if (message.busy) stats.busy++;
      else if (message.mode === "RESTART") stats.restarts++;
      else if (message.mode === "TRUNCATE") stats.truncates++;
      const held = performance.now() - shutAt;
      stats.longestMs = Math.max(stats.longestMs, held);
    }
  });
  thread.on("error", (error) => fail(error instanceof Error ? error : new Error(String(error))));
  thread.on("exit", (code) => fail(new Error(`the WAL checkpoint thread exited (code ${code})`)));
  thread.unref();
  return {
    thread,
    stats: () => ({ ...stats }),
    async stop() {
      if (failed) return;
      stopping = true;
      // Unreferenced, the thread would not keep the process alive until it has closed its connection.
      thread.ref();
      const stopped = new Promise<void>((resolve) => {
        thread.on("message", (message: ThreadMessage) => message.type === "stopped" && resolve());
        thread.once("exit", () => resolve());
      });
      thread.postMessage({ type: "stop" });
      await stopped;
      await thread.terminate();
      openGate();
    },
  };
}
