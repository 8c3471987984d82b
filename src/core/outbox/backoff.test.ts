import { describe, expect, it } from "vitest";
import { realtimeChannel } from "../../channels/realtime/realtime.js";
import { backoffFromEnv, defaultBackoff, describeSchedule, resolveBackoff, retryDelay, type BackoffPolicy } from "./backoff.js";

const HOUR = 3_600_000;
const policy: BackoffPolicy = { baseMs: 1000, capMs: 60_000, maxAttempts: 8 };

/** Where each send of a delivery lands, from the first, for a given random source. */
function sendTimes(schedule: BackoffPolicy, random: () => number): number[] {
  const times = [0];
  for (let attempt = 1; attempt < schedule.maxAttempts; attempt++) times.push(times.at(-1)! + retryDelay(schedule, attempt, undefined, random));
  return times;
}

describe("retry delay", () => {
  it("waits between half the step and the whole step (equal jitter), doubling under a cap", () => {
    expect(retryDelay(policy, 1, undefined, () => 0)).toBe(500);
    expect(retryDelay(policy, 1, undefined, () => 0.999)).toBe(999);
    expect(retryDelay(policy, 3, undefined, () => 0)).toBe(2000);
    expect(retryDelay(policy, 3, undefined, () => 0.5)).toBe(3000);
    expect(retryDelay(policy, 30, undefined, () => 0)).toBe(30_000);
    expect(retryDelay(policy, 30, undefined, () => 0.999)).toBe(59_970);
  });

  it("keeps full jitter on request", () => {
    const full = { ...policy, jitter: "full" as const };
    expect(retryDelay(full, 3, undefined, () => 0)).toBe(0);
    expect(retryDelay(full, 3, undefined, () => 0.999)).toBe(3996);
  });

  it("never retries sooner than Retry-After asked", () => {
    expect(retryDelay(policy, 1, 30_000, () => 0.5)).toBe(30_000);
  });

  it("bounds an absurd Retry-After at four times the cap", () => {
    expect(retryDelay(policy, 1, 10 ** 12, () => 0.5)).toBe(240_000);
    expect(retryDelay(defaultBackoff, 1, 10 ** 12, () => 0.5)).toBe(4 * HOUR);
  });

  it("stays finite for any attempt count", () => {
    expect(retryDelay(policy, 10_000, undefined, () => 0)).toBe(30_000);
  });
});

describe("the default schedule", () => {
  const rows = describeSchedule(defaultBackoff);
  const last = rows.at(-1)!;

  it("outlasts an hour-long outage at the worst-case jitter, and spans about a day at most", () => {
    // Worst case: every random draw is 0, so every wait is as short as the schedule allows.
    const worst = sendTimes(defaultBackoff, () => 0);
    expect(worst.at(-1)!).toBe(last.minElapsedMs);
    expect(last.minElapsedMs).toBeGreaterThanOrEqual(11 * HOUR);
    // The longest a delivery can wait on retries: under a day.
    expect(last.maxElapsedMs).toBeLessThanOrEqual(24 * HOUR);
    expect(sendTimes(defaultBackoff, () => 0.999_999).at(-1)!).toBeLessThanOrEqual(last.maxElapsedMs);
    // An hour is outlived at the 11th send whatever the draws.
    expect(rows.find((r) => r.minElapsedMs >= HOUR)!.attempt).toBe(11);
  });

  it("never retries in the first five seconds, and then never more often than hourly once capped", () => {
    expect(rows[0]).toMatchObject({ attempt: 2, minDelayMs: 5_000, maxDelayMs: 10_000 });
    expect(last).toMatchObject({ attempt: 32, minDelayMs: HOUR / 2, maxDelayMs: HOUR });
  });

  it("did not outlast an hour with the old defaults (1 s base, 15 min cap, 8 sends, full jitter)", () => {
    const old: BackoffPolicy = { baseMs: 1000, capMs: 15 * 60_000, maxAttempts: 8, jitter: "full" };
    expect(describeSchedule(old).at(-1)!.maxElapsedMs).toBeLessThan(HOUR);
  });

  it("is the same for the same random draws", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const first = sendTimes(defaultBackoff, random);
    seed = 42;
    expect(sendTimes(defaultBackoff, random)).toEqual(first);
    for (let i = 1; i < first.length; i++) {
      const row = rows[i - 1]!;
      expect(first[i]! - first[i - 1]!).toBeGreaterThanOrEqual(row.minDelayMs);
      expect(first[i]! - first[i - 1]!).toBeLessThan(row.maxDelayMs);
    }
  });
});

describe("a channel's schedule", () => {
  it("comes from its declaration, with the default filling what it leaves out", () => {
    expect(resolveBackoff(realtimeChannel.retry, {})).toEqual({ ...defaultBackoff, baseMs: 1000, capMs: 60_000, maxAttempts: 128 });
    expect(resolveBackoff(undefined, {})).toEqual(defaultBackoff);
  });

  it("in-app retries within a minute yet still outlasts an hour", () => {
    const rows = describeSchedule(resolveBackoff(realtimeChannel.retry, {}));
    expect(Math.max(...rows.map((r) => r.maxDelayMs))).toBe(60_000);
    expect(rows.at(-1)!.minElapsedMs).toBeGreaterThanOrEqual(HOUR);
  });

  it("takes the operator's HERALD_RETRY_* over any declaration, and scales every step", () => {
    const env = backoffFromEnv({ HERALD_RETRY_BASE_MS: "20", HERALD_RETRY_MAX_ATTEMPTS: "3", HERALD_RETRY_JITTER: "full" });
    expect(resolveBackoff(realtimeChannel.retry, env.overrides, env.timeScale)).toEqual({ baseMs: 20, capMs: 60_000, maxAttempts: 3, jitter: "full" });
    const scaled = backoffFromEnv({ HERALD_RETRY_TIME_SCALE: "0.001" });
    expect(resolveBackoff(undefined, scaled.overrides, scaled.timeScale)).toEqual({ ...defaultBackoff, baseMs: 10, capMs: 3600 });
  });

  it("refuses malformed overrides at start", () => {
    expect(() => backoffFromEnv({ HERALD_RETRY_MAX_ATTEMPTS: "lots" })).toThrow(/HERALD_RETRY_MAX_ATTEMPTS/);
    expect(() => backoffFromEnv({ HERALD_RETRY_MAX_ATTEMPTS: "0" })).toThrow(/HERALD_RETRY_MAX_ATTEMPTS/);
    expect(() => backoffFromEnv({ HERALD_RETRY_JITTER: "some" })).toThrow(/HERALD_RETRY_JITTER/);
    expect(() => backoffFromEnv({ HERALD_RETRY_TIME_SCALE: "0" })).toThrow(/HERALD_RETRY_TIME_SCALE/);
  });
});
