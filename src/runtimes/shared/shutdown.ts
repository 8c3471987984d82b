/**
 * How long a stopping Node or Deno process waits for work in flight (requests, deliveries) before
 * it cuts connections and hands unfinished jobs back. With the default, SIGTERM ends the process
 * in at most 5 s plus what closing the database takes; SHUTDOWN_MARGIN_MS past the grace it exits
 * anyway, so a supervisor's 10 s before SIGKILL is never reached.
 */
import { HeraldError } from "../../core/errors.js";
import { withTimeout } from "../../lib/time-limits.js";

export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;
/** After the grace: handing jobs back, the last commits, closing the database. */
export const SHUTDOWN_MARGIN_MS = 3000;
/** What live clients are told; they resume from their cursor. */
export const SHUTDOWN_REASON = "server shutting down";

/** HERALD_SHUTDOWN_GRACE_MS, checked at start. */
export function shutdownGraceMs(env: Record<string, string | undefined>): number {
  const raw = env.HERALD_SHUTDOWN_GRACE_MS;
  if (raw === undefined || raw === "") return DEFAULT_SHUTDOWN_GRACE_MS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new HeraldError("bad_config", `HERALD_SHUTDOWN_GRACE_MS must be a number of milliseconds ≥ 0, not "${raw}"`);
  return value;
}

/** Waits for `work` to settle, but no longer than `ms`; true when it settled in time. Leaves no timer behind. */
export function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  // Shutting down goes on either way; a rejection is the caller's to report where it has one.
  return withTimeout(work.then(() => true, () => true), ms, "shutdown").catch(() => false);
}
