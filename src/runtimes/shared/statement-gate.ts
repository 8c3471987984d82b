import type { Client } from "@libsql/client";

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

const GATED = new Set(["execute", "batch", "migrate", "executeMultiple", "transaction"]);

/** A gate and the client whose statements pass through it. */
export function gatedClient(client: Client): { client: Client; gate: StatementGate } {
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
  const gated = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (!GATED.has(prop as string)) return value.bind(target);
      return async (...args: unknown[]) => {
        while (waiting) await waiting;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: gated, gate };
}
