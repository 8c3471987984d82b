import type { Client } from "@libsql/client";
// Node's, and Deno's node compatibility: a callback after the loop's I/O, which a timer (≥ 1 ms) is not.
import { setImmediate } from "node:timers";

/**
 * Holds a client's statements back for a moment: the WAL checkpoint thread needs the write lock
 * for a RESTART or TRUNCATE checkpoint, and a writer that never pauses would never let it have it.
 * The embedded driver runs every statement to completion synchronously (`transaction()` aside,
 * which Herald does not use), so once the gate is shut nothing is half done: the thread may go.
 */
export interface StatementGate {
  /** Statements from now on wait until `open`. */
  shut(): void;
  open(): void;
  readonly isShut: boolean;
}

export interface GateOptions {
  /**
   * Statements wait for the event loop's next turn once it has been held this long (ms) without
   * one. The embedded driver answers synchronously, so a chain of `await`s over it (a plan part:
   * read, plan, write, the next part) runs on microtasks alone and never lets a timer, a socket or
   * another request in: a broadcast to 50,000 held the loop for 20 s at a time. Unset: never.
   */
  turnAfterMs?: number;
}

const GATED = new Set(["execute", "batch", "migrate", "executeMultiple", "transaction"]);

/**
 * Tells how long the event loop has gone without a turn: a marker callback armed by the first
 * statement after a turn runs at the next one, so while it is pending the loop is held.
 */
function turnClock(): () => number {
  let heldSince: number | undefined;
  const turned = () => (heldSince = undefined);
  return () => {
    const now = performance.now();
    if (heldSince === undefined) {
      heldSince = now;
      setImmediate(turned);
      return 0;
    }
    return now - heldSince;
  };
}

/** A gate and the client whose statements pass through it. */
export function gatedClient(client: Client, options: GateOptions = {}): { client: Client; gate: StatementGate } {
  let waiting: Promise<void> | undefined;
  let release: (() => void) | undefined;
  const gate: StatementGate = {
    shut() {
      waiting ??= new Promise<void>((resolve) => (release = resolve));
    },
    open() {
      release?.();
      waiting = release = undefined;
    },
    get isShut() {
      return waiting !== undefined;
    },
  };
  const { turnAfterMs } = options;
  const heldFor = turnAfterMs === undefined ? undefined : turnClock();
  const gated = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (!GATED.has(prop as string)) return value.bind(target);
      return async (...args: unknown[]) => {
        if (heldFor && heldFor() > turnAfterMs!) {
          await new Promise((resolve) => setImmediate(resolve));
          // The marker ran before this callback (they run in order): arm it again, so this statement counts.
          heldFor();
        }
        while (waiting) await waiting;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: gated, gate };
}
