import type { Store } from "../store/index.js";
import { AD_HOC_TEMPLATE_PREFIX } from "./broadcasts.js";
import type { Clock } from "./clock.js";
import { errorMessage, HeraldError } from "./errors.js";
import type { Logger } from "./logger.js";
import { DEAD_JOBS_KEPT_MS } from "./outbox/job-failures.js";

/**
 * How often runtimes with a clock of their own (Node, Deno) tidy up; the Workers cron runs every
 * minute too. Each run deletes a bounded amount, so a minute apart keeps up with a steady load.
 */
export const HOUSEKEEPING_INTERVAL_MS = 60_000;
/** Login-attempt windows are minutes long; a day later they count for nothing. */
const ATTEMPTS_KEPT_MS = 24 * 60 * 60_000;
const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_IDEMPOTENCY_DAYS = 30;

/** What is kept, in milliseconds of age. */
export interface RetentionPolicy {
  /** Notifications, deliveries, inbox items, room messages, broadcasts; null keeps them forever. */
  keepMs: number | null;
  /** An event id is remembered at least this long, so the same id again is answered as a repeat. */
  idempotencyMs: number;
}

/** Status webhook messages: sent ones are kept a week (for support questions), dead ones 30 days (time to replay them). */
export const WEBHOOK_SENT_KEPT_MS = 7 * DAY_MS;
export const WEBHOOK_DEAD_KEPT_MS = 30 * DAY_MS;

/**
 * How much one run may delete: at most `batchesPerTable` batches of `batchSize` rows in each table.
 * A batch costs two to five statements; the defaults suit Node and Deno (a run a minute keeps up
 * with 500 events/s), the Workers cron passes a smaller budget (see cloudflare/boot.ts).
 */
export interface HousekeepingBudget {
  batchSize: number;
  batchesPerTable: number;
}

/**
 * A batch of 200 notifications (with their 400 deliveries) took ~5.5 ms on the embedded driver,
 * 500 took ~24 ms (measured on 50,000 old rows), and under a 500 events/s load batches of 200
 * took up to 55 ms: small batches keep each pause of the event loop short. 500 of them a minute
 * is 50,000 rows of each table, more than a steady 500 events/s adds.
 */
export const DEFAULT_BUDGET: HousekeepingBudget = { batchSize: 100, batchesPerTable: 500 };

/** Rows deleted by one run, per table, and whether anything old was left for the next run. */
export interface HousekeepingReport {
  deleted: Record<"notifications" | "events" | "broadcasts" | "inbox" | "topicMessages" | "templateVersions", number>;
  batches: number;
  /** False when some table still has old rows (the budget ran out); the next run goes on. */
  complete: boolean;
}

/**
 * HERALD_RETENTION_DAYS (default 90; `0` keeps everything) and HERALD_IDEMPOTENCY_DAYS (default
 * 30). Fractions are allowed. Events are kept for the longer of the two.
 */
export function retentionFromEnv(env: Record<string, string | undefined>): RetentionPolicy {
  const days = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new HeraldError("bad_config", `${name} must be a number of days (0 or more), not "${raw}"`);
    return value;
  };
  const keep = days("HERALD_RETENTION_DAYS", DEFAULT_RETENTION_DAYS);
  return { keepMs: keep === 0 ? null : keep * DAY_MS, idempotencyMs: days("HERALD_IDEMPOTENCY_DAYS", DEFAULT_IDEMPOTENCY_DAYS) * DAY_MS };
}

/**
 * After a batch that took `ms`, three times as long for other work: the embedded driver holds the
 * event loop while it deletes, so a run catching up on a backlog takes at most a quarter of it.
 * With half, deleting as fast as 500 events/s arrive raised accept p99 from ~40 to ~200 ms (bench/soak).
 */
const breather = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(300, Math.max(1, 3 * ms))));

/**
 * Deletes what has stopped meaning anything: expired admin sessions and address links, old login-attempt windows,
 * dead jobs a month old,
 * and, past the retention age, notifications with their deliveries, inbox items, room messages,
 * events and broadcasts, in small batches within `budget`. Work still waiting is never deleted (see
 * retentionRepository). Runs one at a time: a call while one runs waits for it.
 */
export function createHousekeeping(deps: { store: Store; clock: Clock; logger: Logger; retention?: RetentionPolicy; budget?: Partial<HousekeepingBudget> }) {
  const retention = deps.retention ?? { keepMs: DEFAULT_RETENTION_DAYS * DAY_MS, idempotencyMs: DEFAULT_IDEMPOTENCY_DAYS * DAY_MS };
  const budget = { ...DEFAULT_BUDGET, ...deps.budget };
  let running: Promise<HousekeepingReport> | undefined;

  async function run(): Promise<HousekeepingReport> {
    const { store, logger } = deps;
    const now = deps.clock.now();
    const report: HousekeepingReport = {
      deleted: { notifications: 0, events: 0, broadcasts: 0, inbox: 0, topicMessages: 0, templateVersions: 0 },
      batches: 0,
      complete: true,
    };
    let lastBatchMs = 0;
    /** Batches of one table until one comes back short (done) or the table's budget is spent; true when done. */
    const drain = async (table: keyof HousekeepingReport["deleted"], batch: (limit: number) => Promise<number>): Promise<boolean> => {
      for (let i = 0; i < budget.batchesPerTable; i++) {
        if (report.batches > 0) await breather(lastBatchMs);
        const started = performance.now();
        const deleted = await batch(budget.batchSize);
        lastBatchMs = performance.now() - started;
        report.batches++;
        report.deleted[table] += deleted;
        if (deleted < budget.batchSize) return true;
      }
      report.complete = false;
      return false;
    };
    try {
      await store.adminSessions.deleteStale(now, now - ATTEMPTS_KEPT_MS);
      // Throttle slots past their window; digests sent a week ago (core/rules/digest.ts).
      await store.workflow.deleteExpired(now);
      await store.subscriberAddresses.deleteExpiredLinks(now);
      await store.webhookEndpoints.deleteOld(now - WEBHOOK_SENT_KEPT_MS, now - WEBHOOK_DEAD_KEPT_MS);
      await store.deadJobs.deleteOld(now - DEAD_JOBS_KEPT_MS);
      if (retention.keepMs !== null) {
        const contentBefore = now - retention.keepMs;
        const eventsBefore = now - Math.max(retention.keepMs, retention.idempotencyMs);
        const { retention: rows } = store;
        // Children first: an event goes only once its notifications have, a room message once the
        // inbox copies made with it have. A table whose children are not done waits for the next run
        // rather than walk past rows it cannot delete yet.
        if ((await drain("notifications", (n) => rows.deleteNotifications(contentBefore, n))) && (await drain("events", (n) => rows.deleteEvents(eventsBefore, n)))) {
          await drain("broadcasts", (n) => rows.deleteBroadcasts(eventsBefore, n, AD_HOC_TEMPLATE_PREFIX));
        }
        if (await drain("inbox", (n) => rows.deleteInbox(contentBefore, n))) await drain("topicMessages", (n) => rows.deleteTopicMessages(contentBefore, n));
      }
      await drain("templateVersions", (n) => store.retention.trimTemplateVersions(n));
      const total = Object.values(report.deleted).reduce((a, b) => a + b, 0);
      if (total > 0) logger.log("info", "housekeeping deleted old rows", { ...report.deleted, batches: report.batches, complete: report.complete });
    } catch (error) {
      // Tidying is never worth failing the cron or the process for; it runs again next time.
      report.complete = false;
      logger.log("warn", "housekeeping failed", { error: errorMessage(error) });
    }
    return report;
  }

  return function housekeeping(): Promise<HousekeepingReport> {
    running ??= run().finally(() => (running = undefined));
    return running;
  };
}
