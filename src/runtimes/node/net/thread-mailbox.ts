/**
 * Messages to a worker thread, posted in batches: at the end of the event loop's turn, or as soon
 * as `size` are waiting, so the thread starts on a wave while the event loop is still producing the
 * rest of it (64 at a time in a broadcast); flushing only per turn made the two threads take turns.
 * bench/push, 5 runs each on a busy machine: per turn only 1,800-2,200 msg/s, batches of 32
 * 1,700-2,950 msg/s, at the same CPU per message. A message per postMessage costs far more.
 * `size` Infinity: once per turn only (answers going back from a thread).
 */
export function threadMailbox<M>(deliver: (batch: M[]) => void, size = 32) {
  let waiting: M[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    deliver(batch);
  };
  return {
    post(message: M): void {
      if (waiting.push(message) >= size) return flush();
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
    /** What is still waiting, taken out (its thread died before it was posted). */
    takeWaiting(): M[] {
      const taken = waiting;
      waiting = [];
      return taken;
    },
  };
}
