/**
 * A read-through cache with a short time to live, for data that is read on every event but
 * changes rarely (rules, templates). Writes through this process invalidate at once; writes by
 * another process (a second Node box on a shared database, another Worker isolate) are seen
 * within `ttlMs`.
 */
export interface TtlCache<T> {
  get(key: string): Promise<T>;
  invalidate(key?: string): void;
}

export function ttlCache<T>(load: (key: string) => Promise<T>, options: { ttlMs: number; now: () => number; maxEntries?: number }): TtlCache<T> {
  const entries = new Map<string, { value: Promise<T>; at: number }>();
  const max = options.maxEntries ?? 1000;
  return {
    get(key) {
      const hit = entries.get(key);
      if (hit && options.now() - hit.at < options.ttlMs) return hit.value;
      const value = load(key);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, at: options.now() });
      // A failed load must not be cached.
      value.catch(() => entries.delete(key));
      return value;
    },
    invalidate(key) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    },
  };
}
