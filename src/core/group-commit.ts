/**
 * Group commit: callers hand in work items; items that arrive while a commit is running are
 * written together in the next one. One transaction per request costs ~0.7 ms on an embedded
 * libSQL file; a transaction of hundreds costs barely more, so under load this multiplies throughput
 * while an idle server still commits a lone request at once (no fixed delay).
 *
 * A failed commit is split in halves and each half committed again, down to single items, so only
 * the member that made it fail gets the error and the others are written: one request's bad data
 * never fails the requests that happened to share its transaction. One bad member among 2,000 costs
 * about 2 × 11 extra commits (one per halving).
 */
export interface GroupCommit<T> {
  /** Resolves once `item` is committed; rejects with the error its commit failed with, alone. */
  submit(item: T): Promise<void>;
  /** Resolves when everything submitted so far is committed (or refused). */
  flushed(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Most items in one commit; more waiting are written in further commits. Default 2,000. */
  maxItems?: number;
  /**
   * Most failed commits spent isolating the members of one group. Past it the store is taken to be
   * failing as a whole (down, disk full), not one member, and the members not yet committed get the
   * latest error. Default 64: enough to isolate a handful of bad members among 2,000 (each costs
   * about one failed commit per halving, 11 for 2,000), while a store that fails everything is not
   * asked 2n − 1 times.
   */
  maxFailedCommits?: number;
}

interface Member<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// setImmediate (Node, Deno) runs after I/O callbacks; setTimeout(0) is the standard fallback (Workers).
const defer: (fn: () => void) => void = typeof setImmediate === "function" ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/**
 * @example
 * const writes = createGroupCommit<Row>((rows) => store.write(insertStatements(rows)));
 * await writes.submit(row); // committed, possibly together with concurrent callers' rows
 */
export function createGroupCommit<T>(commit: (items: T[]) => Promise<void>, options: GroupCommitOptions = {}): GroupCommit<T> {
  const maxItems = options.maxItems ?? 2000;
  const maxFailedCommits = options.maxFailedCommits ?? 64;
  let queue: Member<T>[] = [];
  let running: Promise<void> | undefined;

  /** Commits `members`; on failure halves them until each error lands on the member(s) causing it. */
  async function commitIsolating(members: Member<T>[], budget: { failures: number; last?: unknown }): Promise<void> {
    if (budget.failures >= maxFailedCommits) {
      for (const m of members) m.reject(budget.last);
      return;
    }
    try {
      await commit(members.map((m) => m.item));
    } catch (error) {
      budget.failures++;
      budget.last = error;
      if (members.length === 1) return members[0]!.reject(error);
      const half = Math.ceil(members.length / 2);
      await commitIsolating(members.slice(0, half), budget);
      await commitIsolating(members.slice(half), budget);
      return;
    }
    for (const m of members) m.resolve();
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.length <= maxItems ? queue : queue.slice(0, maxItems);
      queue = queue.length <= maxItems ? [] : queue.slice(maxItems);
      await commitIsolating(batch, { failures: 0 });
    }
    running = undefined;
  }

  return {
    submit(item) {
      const done = new Promise<void>((resolve, reject) => queue.push({ item, resolve, reject }));
      // Start after pending I/O callbacks have run, so requests that arrived together share the first
      // commit. The embedded driver commits synchronously, so nothing can join a commit once it runs.
      running ??= new Promise<void>((resolve) => defer(resolve)).then(drain);
      return done;
    },
    async flushed() {
      while (running) await running;
    },
  };
}
