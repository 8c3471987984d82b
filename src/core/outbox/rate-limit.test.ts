import { describe, expect, it } from "vitest";
import { createRateLimiter, MAX_RATE_WAIT_MS } from "./rate-limit.js";

describe("channel rate limiter", () => {
  it("gives turns 1000 / rate ms apart and sends those beyond MAX_RATE_WAIT_MS back to be retried then", () => {
    const limiter = createRateLimiter(5);
    const turns = Array.from({ length: 7 }, () => limiter.reserve(10_000));
    expect(turns.slice(0, 6)).toEqual([0, 200, 400, 600, 800, 1000].map((waitMs) => ({ waitMs })));
    expect(turns[6]).toEqual({ retryAt: 10_000 + 1200 });
    expect(MAX_RATE_WAIT_MS).toBe(1000);
  });

  it("spaces starts by when they happen: turns whose timers fire together after a stall begin 200 ms apart", () => {
    const limiter = createRateLimiter(5);
    for (let i = 0; i < 4; i++) limiter.reserve(0);
    // All four timers (due at 0, 200, 400, 600) fire at 700, when the loop is free again.
    expect([0, 1, 2, 3].map(() => limiter.startAfter(700))).toEqual([0, 200, 400, 600]);
    // On time, a start waits for nothing more.
    expect(limiter.startAfter(1500)).toBe(0);
  });
});
