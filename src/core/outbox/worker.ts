import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../../store/index.js";
import { createGroupCommit } from "../../store/group-commit.js";
import { writeAll } from "../../store/db.js";
import type { ClaimedJob } from "../../store/repositories/outbox.js";
import type { Clock } from "../clock.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";

/**
 * What a job handler decided. Its statements commit together with the job's removal or
 * rescheduling, so "delivery recorded as sent" and "job gone" can never disagree.
 */
export type JobOutcome = { done: BatchItem<"sqlite">[] } | { retryAt: number; statements: BatchItem<"sqlite">[] };

export type JobHandler = (job: ClaimedJob) => Promise<JobOutcome>;

export interface OutboxOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  handlers: Record<ClaimedJob["kind"], JobHandler>;
  /** Identifies this process's leases. */
  owner: string;
  /** Jobs running at once. */
  concurrency?: number;
  /** How long a claimed job is ours; a crashed worker's jobs are retried after this. */
  leaseMs?: number;
  /** Longest sleep when nothing is due (new work wakes the loop at once). */
  idleMs?: number;
}

export interface Outbox {
  /** Starts the in-process loop (Node, Deno). */
  start(): void;
  stop(): Promise<void>;
  /** New work is waiting: stop sleeping. */
  wake(): void;
  /** Runs until nothing is due (Workers: from `waitUntil`, cron, tests). Returns jobs finished. */
  drain(): Promise<number>;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const { store, clock, logger, handlers, owner } = options;
  const concurrency = options.concurrency ?? 32;
  const leaseMs = options.leaseMs ?? 60_000;
  const idleMs = options.idleMs ?? 500;
  const acks = createGroupCommit<BatchItem<"sqlite">[]>((groups) => writeAll(store.db, groups.flat()));

  let inflight = 0;
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;

  function signal() {
    pendingWake = true;
    wakeUp?.();
  }

  async function runJob(job: ClaimedJob): Promise<void> {
    const handler = handlers[job.kind];
    let outcome: JobOutcome;
    try {
      outcome = await handler(job);
    } catch (error) {
      // A handler that throws hit something unexpected (store down, bug). Keep the job: it is
      // retried when its lease runs out, and the error is logged rather than swallowed.
      logger.log("error", "job failed", { job: job.id, kind: job.kind, attempts: job.attempts, error: errorMessage(error) });
      return;
    }
    const finish = "done" in outcome ? store.outbox.deleteStatement(job.id, owner) : store.outbox.rescheduleStatement(job.id, outcome.retryAt);
    const statements = "done" in outcome ? outcome.done : outcome.statements;
    await acks.submit([...statements, finish]);
  }

  function launch(job: ClaimedJob) {
    inflight++;
    runJob(job)
      .catch((error) => logger.log("error", "job ack failed", { job: job.id, error: errorMessage(error) }))
      .finally(() => {
        inflight--;
        signal();
      });
  }

  async function claimAndLaunch(): Promise<number> {
    const free = concurrency - inflight;
    if (free <= 0) return 0;
    const jobs = await store.outbox.claim(owner, clock.now(), leaseMs, free);
    for (const job of jobs) launch(job);
    return jobs.length;
  }

  function sleep(ms: number): Promise<void> {
    if (pendingWake) {
      pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        pendingWake = false;
        resolve();
      }
      wakeUp = done;
    });
  }

  async function run() {
    while (running) {
      let claimed = 0;
      try {
        claimed = await claimAndLaunch();
      } catch (error) {
        logger.log("error", "outbox claim failed", { error: errorMessage(error) });
      }
      if (!running) break;
      // Busy: come back when a slot frees. Idle: sleep until woken or idleMs passes.
      if (claimed === 0 || inflight >= concurrency) await sleep(idleMs);
    }
    while (inflight > 0) await sleep(50);
    await acks.flushed();
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      signal();
      await loop;
    },
    wake: signal,
    async drain() {
      let finished = 0;
      for (;;) {
        const jobs = await store.outbox.claim(owner, clock.now(), leaseMs, concurrency);
        if (jobs.length === 0) break;
        await Promise.all(jobs.map(runJob));
        await acks.flushed();
        finished += jobs.length;
      }
      return finished;
    },
  };
}
