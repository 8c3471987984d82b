/**
 * At most one pass per key per interval (typing indicators: one a second per member and room).
 * Forgets everything past `maxKeys`: the worst that does is let one extra indicator through.
 */
export function intervalGate(maxKeys: number) {
  const last = new Map<string, number>();
  return (key: string, now: number, intervalMs: number): boolean => {
    if (now - (last.get(key) ?? -Infinity) < intervalMs) return false;
    if (last.size >= maxKeys) last.clear();
    last.set(key, now);
    return true;
  };
}
