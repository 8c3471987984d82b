/**
 * At most `limit` tasks at once; the rest wait in arrival order. Used for a channel's
 * `limits.concurrency`, so one slow provider cannot take every outbox slot, and a provider's
 * documented connection limit is respected.
 */
export function semaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
