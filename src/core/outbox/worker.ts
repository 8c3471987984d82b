import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../../store/index.js";
import { createGroupCommit } from "../group-commit.js";
import type { ClaimedJob } from "../../store/repositories/outbox.js";
import type { Clock } from "../clock.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";

/**
 * What a job handler decided. Its statements commit together with the job's removal or
 * rescheduling, so "delivery recorded as sent" and "job gone" can never disagree.
 */
export type JobOutcome =
  | {
      done: BatchItem<"sqlite">[];
      /**
       * Statements that run in the same commit after every finished job in it is removed: they see
       * what is left of the outbox (the event-planned mark looks for its event's remaining plan jobs,
       * which jobs removed by the same group commit must not count as).
       */
      afterRemoval?: BatchItem<"sqlite">[];
    }
  | { retryAt: number; statements: BatchItem<"sqlite">[] }
  /** The statements hand the job back themselves (an ordered job rescheduled in SQL: core/outbox/lanes.ts). */
  | { settled: BatchItem<"sqlite">[] };

export type JobHandler = (job: ClaimedJob) => Promise<JobOutcome>;
/**
 * Handles many jobs of one kind at once (shared queries, one commit); jobs it leaves out stay
 * leased and are retried. It may also answer for jobs it claimed itself for this outbox's owner.
 */
export type BatchJobHandler = (jobs: ClaimedJob[]) => Promise<Map<string, JobOutcome>>;

/** How long a claimed job is the claimer's unless told otherwise (OutboxOptions.leaseMs). */
export const DEFAULT_LEASE_MS = 60_000;
interface Ack {
  statements: BatchItem<"sqlite">[];
  /** Jobs to delete. */
  done: string[];
  /** Runs after the deletes (JobOutcome.afterRemoval). */
  after: BatchItem<"sqlite">[];
}

export type JobHandlers = Record<ClaimedJob["kind"], { each: JobHandler } | { batch: BatchJobHandler }>;

export interface OutboxOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  handlers: JobHandlers;
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
  /**
   * Stops claiming, gives jobs in flight up to `graceMs` (default: as long as they take) to
   * finish, hands the rest back (their leases freed, so the next start runs them at once) and
   * waits for finished jobs' commits. Resolves with how many jobs were handed back.
   */
  stop(options?: { graceMs?: number }): Promise<{ handedBack: number }>;
  /** New work is waiting: stop sleeping. */
  wake(): void;
  /** Runs until nothing is due (tests, scripts). Returns jobs finished. */
  drain(): Promise<number>;
  /**
   * Runs jobs already claimed for this outbox's owner (the Workers queue consumer claims the jobs its
   * messages name) with the same handlers, and resolves once their outcomes are committed.
   */
  run(jobs: ClaimedJob[]): Promise<void>;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const { store, clock, logger, handlers, owner } = options;
  const concurrency = options.concurrency ?? 32;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const idleMs = options.idleMs ?? 500;
  // Finished jobs from many handlers share one commit and one DELETE … IN (…).
  const acks = createGroupCommit<Ack>(async (items) => {
    await store.write([
      ...items.flatMap((a) => a.statements),
      ...store.outbox.deleteStatements(
        items.flatMap((a) => a.done),
        owner,
      ),
      ...items.flatMap((a) => a.after),
    ]);
  });

  let inflight = 0;
  /** Jobs being handled now, by id: what a bounded stop hands back. */
  const handling = new Set<string>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;

  function signal() {
    pendingWake = true;
    wakeUp?.();
  }

  function ackFor(jobId: string, outcome: JobOutcome): Ack {
    if ("done" in outcome) return { statements: outcome.done, done: [jobId], after: outcome.afterRemoval ?? [] };
    if ("settled" in outcome) return { statements: outcome.settled, done: [], after: [] };
    return { statements: [...outcome.statements, store.outbox.rescheduleStatement(jobId, outcome.retryAt)], done: [], after: [] };
  }

  /** Runs jobs of one kind: one by one, or all together for a batch handler. */
  async function runJobs(jobs: ClaimedJob[]): Promise<void> {
    const handler = handlers[jobs[0]!.kind];
    try {
      if ("batch" in handler) {
        const outcomes = await handler.batch(jobs);
        const finished = [...outcomes].map(([id, outcome]) => ackFor(id, outcome));
        await acks.submit({ statements: finished.flatMap((a) => a.statements), done: finished.flatMap((a) => a.done), after: finished.flatMap((a) => a.after) });
      } else {
        await Promise.all(jobs.map(async (job) => acks.submit(ackFor(job.id, await handler.each(job)))));
      }
    } catch (error) {
      // A handler that throws hit something unexpected (store down, bug). Keep the jobs: they are
      // retried when their lease runs out, and the error is logged rather than swallowed.
      logger.log("error", "job failed", { jobs: jobs.map((j) => j.id).slice(0, 10), kind: jobs[0]!.kind, error: errorMessage(error) });
    }
  }

  function launch(jobs: ClaimedJob[]) {
    inflight += jobs.length;
    for (const job of jobs) handling.add(job.id);
    runJobs(jobs).finally(() => {
      inflight -= jobs.length;
      for (const job of jobs) handling.delete(job.id);
      signal();
    });
  }

  /** Batch kinds run as one task; others as one task per job, so a slow send holds only its own slot. */
  function tasks(jobs: ClaimedJob[]): ClaimedJob[][] {
    const out: ClaimedJob[][] = [];
    const batches = new Map<string, ClaimedJob[]>();
    for (const job of jobs) {
      if ("batch" in handlers[job.kind]) {
        let group = batches.get(job.kind);
        if (!group) batches.set(job.kind, (group = []));
        group.push(job);
      } else out.push([job]);
    }
    return [...batches.values(), ...out];
  }

  async function runClaimed(jobs: ClaimedJob[]): Promise<void> {
    await Promise.all(tasks(jobs).map(runJobs));
    await acks.flushed();
  }

  async function claimAndLaunch(): Promise<number> {
    const free = concurrency - inflight;
    if (free <= 0) return 0;
    const jobs = await store.outbox.claim(owner, clock.now(), leaseMs, free);
    for (const task of tasks(jobs)) launch(task);
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
  }

  /** Until nothing is in flight, or `graceMs` has passed. */
  async function settle(graceMs: number) {
    const deadline = Date.now() + graceMs;
    while (inflight > 0 && Date.now() < deadline) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop(options = {}) {
      running = false;
      signal();
      await loop;
      await settle(options.graceMs ?? Number.POSITIVE_INFINITY);
      let handedBack = 0;
      if (handling.size > 0) {
        // Still sending past the grace (a provider that hangs): free the leases, so a restart sends
        // them at once rather than after leaseMs. A send that lands anyway is at-least-once, and a
        // receiver drops the repeat by notification id; one whose outcome commits first is not repeated.
        const ids = [...handling];
        try {
          handedBack = await store.outbox.release(ids, owner);
          logger.log("warn", "outbox stopped with jobs in flight; handed them back", { jobs: handedBack });
        } catch (error) {
          logger.log("error", "could not hand jobs back; they run again when their lease ends", { jobs: ids.length, error: errorMessage(error) });
        }
      }
      await acks.flushed();
      return { handedBack };
    },
    wake: signal,
    run: runClaimed,
    async drain() {
      let finished = 0;
      for (;;) {
        const jobs = await store.outbox.claim(owner, clock.now(), leaseMs, concurrency);
        if (jobs.length === 0) break;
        await runClaimed(jobs);
        finished += jobs.length;
      }
      return finished;
    },
  };
}
