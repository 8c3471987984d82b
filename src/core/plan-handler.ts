import type { Store } from "../store/index.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import type { TtlCache } from "./cache.js";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import type { BatchJobHandler, JobOutcome } from "./outbox/worker.js";
import { emptyWork, planEvent } from "./planner.js";
import { BROADCAST_EVENT, broadcastRule } from "./broadcasts.js";
import { type PlanPartOptions, planShare } from "./plan-parts.js";

/**
 * Plans many accepted events at once: one query loads them, rules come from a short-lived cache,
 * and everything they produce is written in one batch together with their jobs' removal. Always in
 * parts: an audience is never loaded whole; this plans a small one (up to a part) and leaves plan
 * parts for a larger one (core/plan-parts.ts), so a plan job's work is bounded whatever the audience.
 */
export function createPlanHandler(deps: { store: Store; clock: Clock; logger: Logger; rules: TtlCache<RuleRecord[]>; parts: PlanPartOptions }): BatchJobHandler {
  const { store, clock, logger, rules } = deps;
  const share = planShare(store, deps.parts);
  return async (jobs) => {
    const now = clock.now();
    const events = new Map((await store.events.getMany(jobs.map((j) => j.ref))).map((e) => [e.id, e]));
    const work = emptyWork();
    const planned: string[] = [];
    const sources = { rulesFor: (type: string) => rules.get(type), share, logger };
    for (const job of jobs) {
      const event = events.get(job.ref);
      if (!event || event.plannedAt !== null) continue;
      const before = work.notifications.length;
      const partsBefore = work.jobs.length;
      const eventSources = event.type === BROADCAST_EVENT ? { ...sources, rulesFor: async () => [broadcastRule(event)] } : sources;
      await planEvent(event, now, eventSources, work);
      // An event with parts left is marked planned by its last part.
      if (!work.jobs.slice(partsBefore).some((j) => j.kind === "plan-part")) planned.push(event.id);
      logger.log("debug", "event planned", { event: event.id, type: event.type, notifications: work.notifications.length - before });
    }
    const outcomes = new Map<string, JobOutcome>(jobs.map((j) => [j.id, { done: [] }]));
    // All statements ride on the first job's outcome; the outbox commits the batch's outcomes together.
    outcomes.set(jobs[0]!.id, { done: store.plans.commitStatements(planned, work, now) });
    return outcomes;
  };
}
