/** Longest a send waits in process for its turn; a later turn reschedules the job instead of holding an outbox slot. */
export const MAX_RATE_WAIT_MS = 1000;

/**
 * Spaces a channel's sends to a provider's account cap (`ratePerSecond`): each send reserves the next
 * free turn, `1000 / rate` ms after the one before. A turn within `MAX_RATE_WAIT_MS` is waited for;
 * a later one is not taken, and the caller reschedules the job for then (not counted as an attempt).
 * Per process (per isolate on Workers): several processes sending for one account share its cap by
 * configuring each with its part.
 */
export function createRateLimiter(ratePerSecond: number) {
  const spacing = 1000 / ratePerSecond;
  let nextTurn = 0;
  let lastStart = -Infinity;
  return {
    /** `{waitMs}`: the turn is yours after that wait; `{retryAt}`: none soon, come back then. */
    reserve(now: number): { waitMs: number } | { retryAt: number } {
      const turn = Math.max(now, nextTurn);
      if (turn - now > MAX_RATE_WAIT_MS) return { retryAt: turn };
      nextTurn = turn + spacing;
      return { waitMs: turn - now };
    },
    /**
     * Ms to wait more before a send whose turn has come may begin. Timers fire late on a busy event
     * loop, and several reserved turns then fire together: this spaces the starts by the time they
     * actually happen, so the provider never sees a burst over its cap (7 in one second were seen
     * at the SMS gateway after a stall). At most the turns already reserved wait: ~1 s in all.
     */
    startAfter(now: number): number {
      const start = Math.max(now, lastStart + spacing);
      lastStart = start;
      return start - now;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
