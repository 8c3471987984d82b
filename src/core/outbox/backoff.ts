/**
 * Exponential backoff with full jitter (a random wait between 0 and base·2^attempt, capped), the
 * scheme that spreads retries of many failing deliveries instead of synchronising them. A
 * provider's `Retry-After` is a floor: never retry sooner than it asked.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1000, capMs: 15 * 60_000, maxAttempts: 8 };

export function retryDelay(policy: BackoffPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.capMs * 4));
}
