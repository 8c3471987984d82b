import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import { isRefusedData } from "../store/refused-data.js";
import type { AcceptedEvent, EventRow } from "../store/repositories/events.js";
import type { PlannedWork } from "../store/repositories/plans.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import type { TtlCache } from "./cache.js";
import type { DirectDelivery } from "./delivery.js";
import { errorMessage, ProblemError } from "./errors.js";
import { createGroupCommit } from "./group-commit.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { emptyWork, planEvent } from "./planner.js";
import { pluginJobId } from "./plugin-handler.js";

export type NewEvent = Omit<AcceptedEvent, "plannedAt">;

/** How an event is accepted. */
export interface AcceptOptions {
  /** Always leave planning to a job (broadcasts, whose audience may be everyone). */
  defer?: boolean;
  /** Rows that belong to the event (a broadcast's list entry and ad hoc template): in its commit, or not at all. */
  alongside?: BatchItem<"sqlite">[];
}

interface Pending {
  event: AcceptedEvent;
  work?: PlannedWork;
  alongside?: BatchItem<"sqlite">[];
}

/**
 * Accepting events. The request plans the event itself (rules come from a cache) unless it goes to
 * a topic, and waits until the event, its notifications and their delivery jobs are committed in
 * one transaction: then it is durable and the 202 can go out. Concurrent requests share commits
 * (group commit). An id seen before is dropped inside the commit, so a repeat changes nothing.
 * A commit that fails is retried in halves (group-commit.ts), so an event the store refuses is
 * refused alone; when its data is what the store refused, that is the client's 400.
 */
export function createIngest(deps: {
  store: Store;
  metrics: Metrics;
  logger: Logger;
  rules: TtlCache<RuleRecord[]>;
  /** Event types some plugin handles: such events also get a plugin job. */
  pluginEventTypes: Set<string>;
  /** The lane of an event's plugin job, if its plugins order it (core/outbox/lanes.ts). */
  pluginLane?: (event: AcceptedEvent) => string | undefined;
  /** Delivers in-app notifications due at once inside the accepting commit. */
  direct?: DirectDelivery;
  onCommitted: () => void;
}) {
  const { store, metrics, logger } = deps;

  /** In-app deliveries made in this commit; on any surprise the outbox makes them instead. */
  async function takeDirect(events: AcceptedEvent[], work: PlannedWork) {
    try {
      return await deps.direct?.(events, work);
    } catch (error) {
      logger.log("warn", "in-app delivery at accept failed; the outbox will deliver", { events: events.length, error: errorMessage(error) });
      return undefined;
    }
  }

  const commits = createGroupCommit<Pending>(async (items) => {
    const known = await store.events.existing([...new Set(items.map((i) => i.event.id))]);
    const fresh: Pending[] = [];
    for (const item of items) {
      if (known.has(item.event.id)) continue;
      known.add(item.event.id);
      fresh.push(item);
    }
    const work = emptyWork();
    const alongside = fresh.flatMap((item) => item.alongside ?? []);
    // In commit order: a lane's order is the order its events were accepted.
    const lanes: { jobId: string; lane: string }[] = [];
    for (const item of fresh) {
      const { id, type, receivedAt } = item.event;
      if (deps.pluginEventTypes.has(type)) {
        work.jobs.push({ id: pluginJobId(id), kind: "plugin", ref: id, runAt: receivedAt, createdAt: receivedAt });
        const lane = deps.pluginLane?.(item.event);
        if (lane !== undefined) lanes.push({ jobId: pluginJobId(id), lane });
      }
      if (!item.work) continue;
      work.notifications.push(...item.work.notifications);
      // Copies: in-app delivery marks the deliveries it makes as sent, and a failed commit is retried
      // with fewer members, each of which must start again from its own plan.
      for (const delivery of item.work.deliveries) work.deliveries.push({ ...delivery });
      work.jobs.push(...item.work.jobs);
    }
    const direct = await takeDirect(fresh.map((f) => f.event), work);
    const directStatements = direct?.statements ?? [];
    const laneStatements = lanes.length > 0 ? [store.jobLanes.insertStatement(lanes)] : [];
    const results = await store.write([...store.events.acceptStatements(fresh.map((f) => f.event)), ...store.plans.insertStatements(work), ...laneStatements, ...alongside, ...directStatements]);
    await direct?.committed(results.slice(results.length - directStatements.length));
    metrics.eventsAccepted(items.length);
    // The outbox looks for work only when there is some: in-app deliveries made here left no job
    // (events left unplanned get a plan job from acceptStatements).
    if (work.jobs.length > 0 || direct?.queuesJobs || fresh.some((f) => f.event.plannedAt === null)) deps.onCommitted();
  });

  /** Commits one event; the store refusing its data (and only its, the commit being isolated) is a 400. */
  async function submit(pending: Pending): Promise<void> {
    try {
      await commits.submit(pending);
    } catch (error) {
      if (!isRefusedData(error)) throw error;
      logger.log("warn", "event refused by the store", { event: pending.event.id, type: pending.event.type, error: errorMessage(error) });
      throw new ProblemError(400, "data-refused", "The data cannot be stored", "the database could not store this event's data as JSON (nested too deep or too large)", {
        errors: [{ path: "data", message: "not storable as JSON (too deep or too large)" }],
      });
    }
  }

  return {
    /** Commits the event (planned here unless `defer`), with `alongside`, in one transaction. */
    async accept(input: NewEvent, options: AcceptOptions = {}): Promise<void> {
      if (options.defer) return submit({ event: { ...input, plannedAt: null }, alongside: options.alongside });
      const rules = await deps.rules.get(input.type);
      const row: EventRow = { ...input, plannedAt: null };
      const work = rules.length === 0 ? emptyWork() : await planEvent(row, input.receivedAt, { rulesFor: async () => rules, logger });
      // No work means a rule reaches a topic: a job plans it after the 202.
      if (!work) return submit({ event: { ...input, plannedAt: null }, alongside: options.alongside });
      return submit({ event: { ...input, plannedAt: input.receivedAt }, work, alongside: options.alongside });
    },
    flushed: () => commits.flushed(),
  };
}
