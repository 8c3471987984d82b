import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { endianness } from "node:os";
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
 *
 * A thread that falls behind (a slow disk makes one PASSIVE pass last a second; a starved CPU) would
 * let a writer that never pauses grow the WAL by tens of MiB a second: once the WAL holds more than
 * `holdWritesAtBytes`, writes wait for the thread's next checkpoint (at most 2 s each time).
 */
export interface WalCheckpointer {
  stop(): Promise<void>;
  /** Checkpoints that restarted or truncated the WAL, and the longest time statements were held back for one. */
  stats(): { restarts: number; truncates: number; busy: number; longestMs: number; writeHolds: number };
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
  /** A WAL holding more than this holds writes until the thread checkpoints. Default 4 × restartAtBytes. */
  holdWritesAtBytes?: number;
  /** The thread's module (tests start one that falls behind). */
  threadModule?: URL;
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

/** How often the main thread looks at the WAL file's size for `holdWritesAtBytes` (one stat call). */
const SIZE_CHECK_MS = 25;

export function startWalCheckpointer(path: string, options: WalCheckpointerOptions): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("libsql");
  const restartAtBytes = options.restartAtBytes ?? 16 * 1024 * 1024;
  const thread = startThread(options.threadModule ?? new URL("./wal-checkpoint-thread.js", import.meta.url), {
    workerData: { path, driver, intervalMs: options.intervalMs ?? 100, restartAtBytes, quietMs: options.quietMs ?? 1000 },
  });
  const { gate } = options;
  const stats = { restarts: 0, truncates: 0, busy: 0, longestMs: 0, writeHolds: 0 };
  let stopping = false;
  let failed = false;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let shutAt = 0;
  const openGate = () => {
    clearTimeout(deadline);
    gate.open();
  };
  const shutGate = () => {
    gate.shut();
    shutAt = performance.now();
    clearTimeout(deadline);
    deadline = setTimeout(openGate, GATE_DEADLINE_MS);
  };
  const holdAt = options.holdWritesAtBytes ?? 4 * restartAtBytes;
  const walBytes = walBytesReader(path);
  let readerHoldsSnapshot = false;
  const sizeCheck = setInterval(() => {
    // A reader on an old snapshot (a backup) keeps the WAL from starting over: holding writes would not help.
    if (gate.isShut || readerHoldsSnapshot || stopping || failed) return;
    if (walBytes.read() <= holdAt) return;
    stats.writeHolds++;
    shutGate();
  }, SIZE_CHECK_MS);
  sizeCheck.unref();
  const fail = (error: Error) => {
    clearInterval(sizeCheck);
    walBytes.close();
    openGate();
    if (stopping || failed) return;
    failed = true;
    options.onFailure(error);
  };
  thread.on("message", (message: ThreadMessage) => {
    if (message.type === "pause") {
      // No statement is running here: each runs to completion before the event loop turns.
      if (!gate.isShut) shutGate();
      thread.postMessage({ type: "paused" });
    } else if (message.type === "checkpoint") {
      readerHoldsSnapshot = Boolean(message.busy);
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
      clearInterval(sizeCheck);
      walBytes.close();
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

/**
 * How many bytes of frames the WAL holds now, read from the WAL index (the `-shm` file): its header
 * keeps the page size and the last valid frame (`szPage` at byte 14, `mxFrame` at 16, in the
 * machine's byte order; https://sqlite.org/walformat.html). The file's own size says little: a
 * RESTART leaves it as large as it was and the next writes start again from its beginning.
 */
function walBytesReader(path: string): { read(): number; close(): void } {
  const header = Buffer.alloc(8);
  const little = endianness() === "LE";
  let fd: number | undefined;
  return {
    read() {
      try {
        fd ??= openSync(`${path}-shm`, "r");
        if (readSync(fd, header, 0, 8, 12) < 8) return 0;
      } catch {
        return 0; // no WAL index yet: nothing written
      }
      const pageSize = little ? header.readUInt16LE(2) : header.readUInt16BE(2);
      const frames = little ? header.readUInt32LE(4) : header.readUInt32BE(4);
      // szPage 1 stands for 65,536 (a u16 cannot hold it).
      return frames * (pageSize === 1 ? 65536 : pageSize);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
