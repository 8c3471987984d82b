import { HeraldError } from "../errors.js";

/**
 * When a failed delivery is tried again. Capped exponential backoff with jitter: the n-th retry
 * waits about base·2^(n-1), never more than the cap, and gives up (dead-letter) after
 * `maxAttempts` sends.
 *
 * The default ("equal") jitter waits between half the step and the whole step. Full jitter (0 to
 * the step) spreads retries as well but lets a run of early retries all land near zero: with the
 * old default (1 s base, 15 min cap, 8 attempts, full jitter) a provider answering 500 for only
 * 60 s dead-lettered 36 % of deliveries. Half the step as a floor makes the total span a bound
 * that holds whatever the dice say, so "survives an outage of N hours" can be stated and tested.
 *
 * A provider's `Retry-After` is a floor too (never retry sooner than it asked), bounded at four
 * times the cap so one answer cannot park a delivery for days.
 */
export interface BackoffPolicy {
  /** The first retry's step; each later step doubles it. */
  baseMs: number;
  /** The longest step. */
  capMs: number;
  /** Sends in all (the first one included); after the last one fails, the delivery is dead. */
  maxAttempts: number;
  /** `equal` (default): half the step plus a random half. `full`: anything from 0 to the step. */
  jitter?: "equal" | "full";
}

/**
 * Every channel's schedule unless it declares its own (`defineChannel({ retry })`): 10 s, 20 s,
 * 40 s … doubling to 1 h, then hourly; 32 sends over 11.7–23.4 h. An outage of an hour is outlived
 * at the 11th send whatever the jitter; one of 11 hours at the last. The table is in the README.
 */
export const defaultBackoff: BackoffPolicy = { baseMs: 10_000, capMs: 60 * 60_000, maxAttempts: 32, jitter: "equal" };

/** A retry schedule as a channel declares it: any field it leaves out comes from `defaultBackoff`. */
export type RetrySchedule = Partial<BackoffPolicy>;

/** The step of the retry after failed send number `attempt` (1-based): base·2^(attempt-1), capped. */
export function retryStep(policy: BackoffPolicy, attempt: number): number {
  // 2^60 is past any cap; the exponent is bounded so a huge attempt count stays finite.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(60, Math.max(0, attempt - 1)));
}

/** How long to wait after failed send number `attempt` (1-based) before the next one. */
export function retryDelay(policy: BackoffPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const step = retryStep(policy, attempt);
  const jittered = policy.jitter === "full" ? Math.floor(random() * step) : Math.floor(step / 2 + random() * (step / 2));
  return Math.max(jittered, Math.min(Math.max(0, retryAfterMs ?? 0), policy.capMs * 4));
}

/** One row of a schedule: the wait before send `attempt` and the time since the first send. */
export interface ScheduleRow {
  attempt: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Earliest and latest time of this send after the first one, over all jitter. */
  minElapsedMs: number;
  maxElapsedMs: number;
}

/** The whole schedule at its jitter bounds (no Retry-After): for docs, tests and operators. */
export function describeSchedule(policy: BackoffPolicy): ScheduleRow[] {
  const rows: ScheduleRow[] = [];
  let minElapsedMs = 0;
  let maxElapsedMs = 0;
  for (let attempt = 2; attempt <= policy.maxAttempts; attempt++) {
    const minDelayMs = retryDelay(policy, attempt - 1, undefined, () => 0);
    // The random source is below 1; its supremum gives the whole step.
    const maxDelayMs = retryStep(policy, attempt - 1);
    minElapsedMs += minDelayMs;
    maxElapsedMs += maxDelayMs;
    rows.push({ attempt, minDelayMs, maxDelayMs, minElapsedMs, maxElapsedMs });
  }
  return rows;
}

/**
 * The schedule a channel runs on: the default, then what the channel declares, then the operator's
 * overrides (HERALD_RETRY_*), all delays multiplied by `timeScale` (HERALD_RETRY_TIME_SCALE: a
 * drill or a test runs the day-long schedule in seconds; Retry-After is never scaled).
 */
export function resolveBackoff(declared: RetrySchedule | undefined, overrides: RetrySchedule, timeScale = 1): BackoffPolicy {
  const policy = { ...defaultBackoff, ...declared, ...overrides };
  if (timeScale === 1) return policy;
  return { ...policy, baseMs: policy.baseMs * timeScale, capMs: policy.capMs * timeScale };
}

/**
 * Operator overrides from the environment, applied to every channel's schedule:
 * HERALD_RETRY_BASE_MS, HERALD_RETRY_CAP_MS, HERALD_RETRY_MAX_ATTEMPTS, HERALD_RETRY_JITTER
 * (`equal` | `full`); and HERALD_RETRY_TIME_SCALE. Malformed values are refused at start.
 */
export function backoffFromEnv(env: Record<string, string | undefined>): { overrides: RetrySchedule; timeScale: number } {
  const overrides: RetrySchedule = {};
  const read = (name: string, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new HeraldError("bad_config", `${name} must be a number ≥ ${min}, not "${raw}"`);
    return value;
  };
  const base = read("HERALD_RETRY_BASE_MS", 0);
  const cap = read("HERALD_RETRY_CAP_MS", 0);
  const attempts = read("HERALD_RETRY_MAX_ATTEMPTS", 1);
  if (base !== undefined) overrides.baseMs = base;
  if (cap !== undefined) overrides.capMs = cap;
  if (attempts !== undefined) overrides.maxAttempts = Math.floor(attempts);
  const jitter = env.HERALD_RETRY_JITTER;
  if (jitter) {
    if (jitter !== "equal" && jitter !== "full") throw new HeraldError("bad_config", `HERALD_RETRY_JITTER must be equal or full, not "${jitter}"`);
    overrides.jitter = jitter;
  }
  const scale = read("HERALD_RETRY_TIME_SCALE", 0);
  if (scale === 0) throw new HeraldError("bad_config", "HERALD_RETRY_TIME_SCALE must be above 0");
  return { overrides, timeScale: scale ?? 1 };
}
