/**
 * Alarm shards for jobs further ahead than a queue message can wait (a broadcast sent days later,
 * a step delayed past the queues' limit). Such jobs stay free in the jobs table; each of
 * JOB_SHARDS objects (`jobs-0` … `jobs-7`, by the minute they are due) sets its alarm to the moment
 * the earliest of them comes within the delay limit, and its alarm dispatches them (dispatch.ts):
 * from then on they travel as delayed queue messages like any other job. Spreading the wakes over
 * several objects keeps one busy object from becoming the path every delayed job waits on; the
 * once-a-minute cron dispatches the same jobs if an alarm is lost.
 */
import { DurableObject } from "cloudflare:workers";
import { loggerFor, sharedStore } from "../boot.js";
import { profileOf, queueMaxDelayS } from "../budget.js";
import { dispatchDue, JOB_SHARDS } from "../dispatch.js";
import type { Env } from "../env.js";
import { metered, meteredEnv } from "../meter.js";

export class JobsObject extends DurableObject<Env> {
  /** Wakes at `at` unless an earlier alarm is already set. */
  async wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
  }

  async alarm(): Promise<void> {
    const env = meteredEnv(this.env);
    await metered(env, "alarm", "jobs shard", async () => {
      const self = this.ctx.id.toString();
      await dispatchDue({
        env,
        store: sharedStore(env),
        profile: profileOf(env),
        logger: loggerFor(env),
        maxDelayS: queueMaxDelayS(env),
        // Its own alarm set directly: an object calling itself would wait on its own input gate.
        wake: async (shard, at) => {
          // Inside its own alarm the running alarm may still read as set: set the next one outright.
          if (env.JOBS.idFromName(shard).toString() === self) await this.ctx.storage.setAlarm(Math.max(at, Date.now() + 10));
          else await env.JOBS.get(env.JOBS.idFromName(shard)).wake(at);
        },
      });
    });
  }
}

export { JOB_SHARDS };
