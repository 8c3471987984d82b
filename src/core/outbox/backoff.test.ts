import { describe, expect, it } from "vitest";
import { retryDelay } from "./backoff.js";

const policy = { baseMs: 1000, capMs: 60_000, maxAttempts: 8 };

describe("retry delay", () => {
  it("grows exponentially with full jitter under a cap", () => {
    expect(retryDelay(policy, 1, undefined, () => 0.999)).toBe(999);
    expect(retryDelay(policy, 3, undefined, () => 0.999)).toBe(3996);
    expect(retryDelay(policy, 30, undefined, () => 0.999)).toBe(59_940);
    expect(retryDelay(policy, 3, undefined, () => 0)).toBe(0);
  });

  it("never retries sooner than Retry-After asked", () => {
    expect(retryDelay(policy, 1, 30_000, () => 0.5)).toBe(30_000);
  });

  it("bounds an absurd Retry-After", () => {
    expect(retryDelay(policy, 1, 10 ** 12, () => 0.5)).toBe(240_000);
  });
});
