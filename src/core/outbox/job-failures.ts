import type { Store } from "../../store/index.js";
import type { ClaimedJob } from "../../store/repositories/outbox.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { type BackoffPolicy, retryDelay } from "./backoff.js";
import type { JobOutcome } from "./worker.js";

/** Dead jobs are kept this long for an operator to look at or send again, then housekeeping deletes them. */
export const DEAD_JOBS_KEPT_MS = 30 * 86_400_000;

/** Longest error text kept with a dead job: a thrown error may carry a whole response body. */
const MAX_ERROR_LENGTH = 1000;

export interface JobRetries {
  /** The schedule: `maxAttempts` runs in all, then the job is dead (the deliveries' schedule by default). */
  policy: BackoffPolicy;
  /** The jitter's dice (tests pass their own). */
  random?: () => number;
}

/**
 * What becomes of a job whose handler threw. Until its attempts are spent, it is tried again after
 * the schedule's backoff step for this attempt (growing, capped, jittered: core/outbox/backoff.ts);
 * after the last one it is dead: moved to `dead_jobs` in the commit that removes it, said in a log
 * line at warn, and never run again unless an operator sends it again.
 *
 * `job.attempts` counts the runs begun: every claim adds one, and a job handed back without running
 * (a lane's wait, a batch's limit) gives its one back (jobLanes.settleStatement). A run cut short by
 * a crash counts: a job that takes its worker down each time stops too.
 */
export function failedJob(job: ClaimedJob, error: unknown, now: number, deps: { store: Store; logger: Logger; owner: string; retries: JobRetries }): { outcome: JobOutcome; dead: boolean } {
  const { policy, random } = deps.retries;
  const reason = errorMessage(error).slice(0, MAX_ERROR_LENGTH);
  const attempt = Math.max(1, job.attempts);
  if (attempt < policy.maxAttempts) {
    const retryAt = now + retryDelay(policy, attempt, undefined, random);
    deps.logger.log("error", "job failed", { jobs: [job.id], kind: job.kind, attempt, maxAttempts: policy.maxAttempts, retryInMs: retryAt - now, error: reason });
    return { outcome: { retryAt, statements: [] }, dead: false };
  }
  deps.logger.log("warn", "job dead: its attempts are spent, it is kept in the dead jobs and not run again", { job: job.id, kind: job.kind, ref: job.ref, attempts: attempt, error: reason });
  return { outcome: { done: [deps.store.deadJobs.buryStatement({ id: job.id, kind: job.kind, ref: job.ref, attempts: attempt, lastError: reason, diedAt: now }, deps.owner)] }, dead: true };
}
