/**
 * Durable jobs on Workers. The jobs table stays the source of truth (run_at, attempts, lease);
 * this object only decides *when* to drain it: its alarm is set to the earliest moment a job is
 * due (a delayed step, a retry, a lease that runs out), so delays and retries run to the
 * millisecond instead of waiting for the once-a-minute cron. The cron stays as a safety net.
 */
import { DurableObject } from "cloudflare:workers";
import type { D1Database } from "@cloudflare/workers-types";
import { bootHerald, type WorkerHerald } from "../boot.js";
import { type Env, withTimeout } from "../env.js";

/** When the next job can be claimed: due and not leased, or leased until its lease runs out. */
export async function nextJobAt(db: D1Database): Promise<number | null> {
  const row = await db.prepare("SELECT min(max(run_at, coalesce(lease_until, 0))) AS at FROM jobs").first<{ at: number | null }>();
  return row?.at ?? null;
}

/** Tells the jobs object when the next job is due (nothing when the table is empty). */
export async function scheduleJobs(env: Env): Promise<void> {
  const at = await nextJobAt(env.DB);
  if (at === null) return;
  await withTimeout(env.JOBS.get(env.JOBS.idFromName("jobs")).wake(at), 10_000, "jobs object");
}

/** Drains what is due, hands its live frames to their objects, and sets the alarm for what is left. */
export async function drainAndSchedule(env: Env, { herald, hub }: WorkerHerald): Promise<number> {
  const finished = await herald.outbox.drain();
  await hub.idle();
  await scheduleJobs(env);
  return finished;
}

let draining = false;
let again = false;

/**
 * At most one drain per isolate: a request that finds one running only asks it to go round again.
 * Hundreds of accepted events a second would otherwise start hundreds of drains competing for the
 * same rows. Only flags cross requests here, never a promise (workerd cancels a request that awaits
 * another request's promise).
 */
export async function drainCoalesced(env: Env, worker: WorkerHerald): Promise<void> {
  if (draining) {
    again = true;
    return worker.hub.idle();
  }
  draining = true;
  try {
    do {
      again = false;
      await drainAndSchedule(env, worker);
    } while (again);
  } finally {
    draining = false;
  }
}

export class JobsObject extends DurableObject<Env> {
  // An object's events share one context, so its own Herald may be reused across alarms.
  private worker?: Promise<WorkerHerald>;

  /** Wakes at `at` unless an earlier alarm is already set. */
  async wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
  }

  async alarm(): Promise<void> {
    this.worker ??= bootHerald(this.env).catch((error) => {
      this.worker = undefined;
      throw error;
    });
    const { herald, hub } = await this.worker;
    await herald.outbox.drain();
    await hub.idle();
    // Not via scheduleJobs: setting our own alarm from inside the handler needs no call to ourselves.
    const at = await nextJobAt(this.env.DB);
    if (at !== null) await this.ctx.storage.setAlarm(Math.max(at, Date.now() + 10));
  }
}
