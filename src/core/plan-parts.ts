import type { Store } from "../store/index.js";
import { planPartJobId } from "../store/repositories/events.js";
import type { AcceptedEvent, EventRow } from "../store/repositories/events.js";
import type { PlannedWork } from "../store/repositories/plans.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import { BROADCAST_EVENT, broadcastRule, EVERYONE } from "./broadcasts.js";
import type { TtlCache } from "./cache.js";
import type { Clock } from "./clock.js";
import type { DirectDelivery } from "./delivery.js";
import type { Logger } from "./logger.js";
import type { BatchJobHandler, JobOutcome } from "./outbox/worker.js";
import { emptyWork, eventDocument, planRecipients, type PlanSources } from "./planner.js";
import type { Audience } from "./rules/recipients.js";
import { resolveAudience } from "./rules/recipients.js";

/**
 * Planning in bounded parts, so that no job (on Workers: no invocation) does work that grows with
 * the audience. A rule's audience is planned `partSize` recipients at a time:
 *
 * - the event's plan job plans an audience of at most `partSize` itself (a small topic needs
 *   nothing more) and leaves a larger one to parts: a scan part for a topic, list parts for a list;
 * - a scan part (`S`) reads the ids of the next `partSize × scanParts` members in one query,
 *   keeping only every `partSize`-th, and turns them into range parts, plus the next scan part if
 *   the page was full: 10,000 members become one scan and 100 range parts;
 * - a range part (`R`) plans the members with after < id ≤ upto, at most `partSize` of them (and
 *   leaves a part for the rest if members joined the range since the scan);
 * - a list part (`L`) plans a slice of an explicit list of subscribers (a broadcast to subscribers
 *   with a field value, an event's `to`).
 *
 * Ranges are read when their part runs, so the audience is the topic's members at that moment, as
 * it is when a plan job reads them whole. Part job ids are derived from (event, rule, kind, start):
 * running a part twice inserts nothing twice. The event is marked planned when its last part
 * commits (plans.markPlannedWhenDoneStatement).
 */
export interface PlanPartOptions {
  /** Recipients a plan part plans at most. */
  partSize: number;
  /** Range parts one scan part creates at most (it reads partSize × scanParts member ids). */
  scanParts: number;
  /**
   * Parts claimed together whose plans commit in one write; unset: all of them. A commit on the
   * embedded driver holds the event loop while it runs (and the parts' planning before it does too):
   * bounded, it lets requests and live frames in between parts.
   */
  partsPerCommit?: number;
}

/** Parts of 100 recipients (D1 and Workers budgets: docs/workers.md), scans of 10,000 member ids. */
export const DEFAULT_PLAN_PARTS: PlanPartOptions = { partSize: 100, scanParts: 100 };

/**
 * Node and Deno (one process, the embedded file): parts of 500, each committed on its own, scans of
 * 50,000 ids. The embedded driver holds the event loop for a whole commit. A broadcast to 50,000
 * (bench/broadcast, medians of 3): parts of 1,000 claimed together and committed together held it
 * 4.1 s at a time (3.4 s of CPU), and a request waited as long; committed one by one, parts of 1,000
 * hold it ~200 ms, parts of 500 ~90 ms, for a broadcast of 6.5 / 7.2 s against 6.7 s. Planned whole
 * (one job, one transaction of 150,000 rows), that broadcast took 242 s.
 */
export const ONE_PROCESS_PLAN_PARTS: PlanPartOptions = { partSize: 500, scanParts: 100, partsPerCommit: 1 };

type PartRef =
  | { e: string; r: string; k: "S"; t: string; a: string }
  | { e: string; r: string; k: "R"; t: string; a: string; b: string }
  | { e: string; r: string; k: "L"; i: [number, number] };

function partJob(ref: PartRef, now: number): PlannedWork["jobs"][number] {
  const start = ref.k === "L" ? String(ref.i[0]) : ref.a;
  return { id: planPartJobId(ref.e, ref.r, ref.k, start), kind: "plan-part", ref: JSON.stringify(ref), runAt: now, createdAt: now };
}

function parseRef(text: string): PartRef | undefined {
  try {
    const ref = JSON.parse(text) as PartRef;
    return typeof ref.e === "string" && typeof ref.r === "string" && ["S", "R", "L"].includes(ref.k) ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** The members of a topic, or null for every subscriber (a broadcast to everyone). */
const source = (topic: string) => (topic === EVERYONE ? null : topic);

/**
 * What an event's plan job plans itself: an audience of at most `partSize` whole (a small topic, a
 * short list: no part, no extra hop); a larger one, nothing, but the parts that plan it, each with
 * the in-app deliveries it can make at once in its own commit.
 */
export function planShare(store: Store, options: PlanPartOptions): NonNullable<PlanSources["share"]> {
  const { partSize } = options;
  return async (event, rule, audience, now) => {
    if ("subscribers" in audience) {
      const all = audience.subscribers;
      if (all.length <= partSize) return { recipients: all, parts: [] };
      const parts: PlannedWork["jobs"] = [];
      for (let from = 0; from < all.length; from += partSize) parts.push(partJob({ e: event.id, r: rule.id, k: "L", i: [from, Math.min(from + partSize, all.length)] }, now));
      return { recipients: [], parts };
    }
    // One more than a part tells a small topic from a large one in the same query.
    const first = await store.subscribers.audienceRange(source(audience.topic), "", undefined, partSize + 1);
    if (first.length <= partSize) return { recipients: first, parts: [] };
    return { recipients: [], parts: [partJob({ e: event.id, r: rule.id, k: "S", t: audience.topic, a: "" }, now)] };
  };
}

/** The rule a part belongs to: a broadcast's own, or the stored rule by id (gone if it was deleted). */
async function ruleOf(event: EventRow, ruleId: string, rules: TtlCache<RuleRecord[]>): Promise<RuleRecord | undefined> {
  if (event.type === BROADCAST_EVENT) return broadcastRule(event);
  return (await rules.get(event.type)).find((r) => r.id === ruleId);
}

/**
 * Runs plan parts together: their plans (and, with `direct`, the in-app deliveries due at once,
 * appended to the streams in the same transaction as on accept) commit in one write, or
 * `partsPerCommit` parts at a time; each job's removal, and the events whose last part this was
 * marked planned, commit in the outbox's ack.
 */
export function createPlanPartHandler(deps: { store: Store; clock: Clock; logger: Logger; rules: TtlCache<RuleRecord[]>; options: PlanPartOptions; direct?: DirectDelivery }): BatchJobHandler {
  const { store, clock, logger, rules, options } = deps;
  const { partSize } = options;
  type Runnable = { ref: PartRef; event: EventRow; rule: RuleRecord };

  async function planPart(ref: PartRef, event: EventRow, rule: RuleRecord, now: number, work: PlannedWork): Promise<void> {
    if (ref.k === "S") {
      const { bounds, full } = await store.subscribers.audienceBounds(source(ref.t), ref.a, partSize * options.scanParts, partSize);
      let start = ref.a;
      for (const end of bounds) {
        work.jobs.push(partJob({ e: ref.e, r: ref.r, k: "R", t: ref.t, a: start, b: end }, now));
        start = end;
      }
      if (full) work.jobs.push(partJob({ e: ref.e, r: ref.r, k: "S", t: ref.t, a: start }, now));
      return;
    }
    if (ref.k === "R") {
      const ids = await store.subscribers.audienceRange(source(ref.t), ref.a, ref.b, partSize);
      planRecipients(event, rule, ids, now, work);
      const last = ids.at(-1);
      // Members who joined the range after the scan: more than a part's worth is left to another part.
      if (ids.length === partSize && last !== undefined && last !== ref.b) work.jobs.push(partJob({ e: ref.e, r: ref.r, k: "R", t: ref.t, a: last, b: ref.b }, now));
      return;
    }
    const audience: Audience = resolveAudience(rule.body.to, eventDocument(event));
    if ("subscribers" in audience) planRecipients(event, rule, audience.subscribers.slice(ref.i[0], ref.i[1]), now, work);
  }

  /** Plans parts and commits their plans (and in-app deliveries due at once) in one write. */
  async function commitParts(parts: Runnable[], now: number): Promise<void> {
    const work = emptyWork();
    for (const { ref, event, rule } of parts) await planPart(ref, event, rule, now, work);
    const events = [...new Map(parts.map((p) => [p.event.id, p.event as AcceptedEvent])).values()];
    const direct = deps.direct ? await deps.direct(events, work) : undefined;
    const directStatements = direct?.statements ?? [];
    const results = await store.write([...store.plans.insertStatements(work), ...directStatements]);
    await direct?.committed(results.slice(results.length - directStatements.length));
    logger.log("debug", "plan parts planned", { parts: parts.length, notifications: work.notifications.length, parts_created: work.jobs.filter((j) => j.kind === "plan-part").length });
  }

  return async (jobs) => {
    const now = clock.now();
    const events = new Map((await store.events.getMany([...new Set(jobs.flatMap((job) => parseRef(job.ref)?.e ?? []))])).map((e) => [e.id, e]));
    const runnable: Runnable[] = [];
    const touched = new Set<string>();
    for (const job of jobs) {
      const ref = parseRef(job.ref);
      if (!ref) {
        logger.log("error", "plan part with an unreadable reference dropped", { job: job.id });
        continue;
      }
      const event = events.get(ref.e);
      if (!event) continue;
      touched.add(event.id);
      const rule = await ruleOf(event, ref.r, rules);
      if (!rule) {
        logger.log("warn", "plan part of a rule that no longer exists dropped", { event: event.id, rule: ref.r });
        continue;
      }
      runnable.push({ ref, event, rule });
    }
    const perCommit = Math.max(1, options.partsPerCommit ?? runnable.length);
    for (let from = 0; from < runnable.length; from += perCommit) await commitParts(runnable.slice(from, from + perCommit), now);
    // Parts planned but not yet removed run again after a crash: their inserts are idempotent (ids
    // derived from the part), so a part is planned once however often it runs.
    const outcomes = new Map<string, JobOutcome>(jobs.map((j) => [j.id, { done: [] }]));
    outcomes.set(jobs[0]!.id, { done: [], afterRemoval: [...touched].map((id) => store.plans.markPlannedWhenDoneStatement(id, now)) });
    return outcomes;
  };
}
