import type { Store } from "../store/index.js";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";

/** How often runtimes with a clock of their own (Node, Deno) tidy up; Workers do it on the cron. */
export const HOUSEKEEPING_INTERVAL_MS = 60 * 60_000;
/** Login-attempt windows are minutes long; a day later they count for nothing. */
const ATTEMPTS_KEPT_MS = 24 * 60 * 60_000;
/** Status webhook messages: sent ones are kept a week (for support questions), dead ones 30 days (time to replay them). */
export const WEBHOOK_SENT_KEPT_MS = 7 * 24 * 60 * 60_000;
export const WEBHOOK_DEAD_KEPT_MS = 30 * 24 * 60 * 60_000;

/**
 * Deletes what has stopped meaning anything: expired admin sessions, old login-attempt windows, and
 * status webhook messages past their retention (a bounded number per run).
 * Events, notifications and deliveries are kept (idempotency and history); there is no retention
 * policy for them yet.
 */
export function createHousekeeping(deps: { store: Store; clock: Clock; logger: Logger }) {
  return async function housekeeping(): Promise<void> {
    const now = deps.clock.now();
    try {
      await deps.store.adminSessions.deleteStale(now, now - ATTEMPTS_KEPT_MS);
      await deps.store.webhookEndpoints.deleteOld(now - WEBHOOK_SENT_KEPT_MS, now - WEBHOOK_DEAD_KEPT_MS);
    } catch (error) {
      // Tidying is never worth failing the cron or the process for; it runs again next time.
      deps.logger.log("warn", "housekeeping failed", { error: (error as Error).message });
    }
  };
}
