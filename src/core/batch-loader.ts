/**
 * Collects the keys asked for within one turn of the event loop and loads them with one call (the
 * DataLoader idea). The outbox starts many deliveries at once; each asks for its own context, and
 * they share a single query.
 */
export function batchLoader<K, V>(loadMany: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  let pending: { key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const found = await loadMany([...new Set(batch.map((p) => p.key))]);
      for (const p of batch) p.resolve(found.get(p.key));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  };
  return (key) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) queueMicrotask(() => void flush());
      pending.push({ key, resolve, reject });
    });
}
