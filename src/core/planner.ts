import type { PlannedWork } from "../store/repositories/plans.js";
import type { EventRow } from "../store/repositories/events.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import { parseDuration } from "./duration.js";
import { deliveryId, notificationId } from "./ids.js";
import type { Logger } from "./logger.js";
import { matchesConditions } from "./rules/conditions.js";
import { type Audience, resolveAudience } from "./rules/recipients.js";
import type { EventInput } from "./schemas/event.js";

/** The stored event as rules see it: its body plus its id and type. */
export function eventDocument(row: EventRow): EventInput & { id: string } {
  return { ...(row.body as Omit<EventInput, "id">), id: row.id, type: row.type };
}

export interface PlanSources {
  rulesFor(eventType: string): Promise<RuleRecord[]>;
  /**
   * Planning in bounded parts (core/plan-parts.ts): the recipients of this audience to plan now,
   * and the plan-part jobs that plan the rest. Absent while a request is being answered: a topic
   * may have thousands of members.
   */
  share?(event: EventRow, rule: RuleRecord, audience: Exclude<Audience, { none: string }>, now: number): Promise<{ recipients: string[]; parts: PlannedWork["jobs"] }>;
  logger: Logger;
}

/**
 * Turns one event into notifications (one per matched rule and recipient) and their deliveries (one
 * per rule step). Fallback steps wait for the step before them to fail; other steps get a job due
 * after their `delay` (and `after`, for escalations). Without `share`, an event that reaches a
 * topic is not planned here: the answer is undefined, and a job plans it after the 202.
 */
export async function planEvent(event: EventRow, now: number, sources: PlanSources, work: PlannedWork = emptyWork()): Promise<PlannedWork | undefined> {
  const { logger } = sources;
  const doc = eventDocument(event);
  const rules = await sources.rulesFor(event.type);
  for (const rule of rules) {
    if (!matchesConditions(rule.body.if, doc)) continue;
    const audience = resolveAudience(rule.body.to, doc);
    if ("none" in audience) {
      logger.log("warn", "rule matched but has no recipients", { event: event.id, rule: rule.id, reason: audience.none });
      continue;
    }
    if (sources.share) {
      const { recipients, parts } = await sources.share(event, rule, audience, now);
      work.jobs.push(...parts);
      planRecipients(event, rule, recipients, now, work);
      continue;
    }
    if ("topic" in audience) return undefined;
    planRecipients(event, rule, audience.subscribers, now, work);
  }
  return work;
}

/** One notification per recipient, with a delivery per rule step and a job for each step that does not wait for a failure. */
export function planRecipients(event: EventRow, rule: RuleRecord, recipients: string[], now: number, work: PlannedWork): void {
  for (const subscriberId of recipients) {
    const nid = notificationId(event.id, rule.id, subscriberId, event.receivedAt);
    work.notifications.push({ id: nid, eventId: event.id, ruleId: rule.id, subscriberId, createdAt: now });
    rule.body.steps.forEach((step, index) => {
      const id = deliveryId(nid, index);
      const waits = index > 0 && step.fallback === true;
      work.deliveries.push({
        id,
        notificationId: nid,
        step: index,
        channel: step.channel,
        template: step.template,
        unlessSeen: step.unlessSeen === true,
        status: waits ? "waiting" : "pending",
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      });
      if (!waits) {
        work.jobs.push({ id: `deliver:${id}`, kind: "deliver", ref: id, runAt: now + stepWaitMs(step), createdAt: now });
      }
    });
  }
}

/** How long after planning a step that does not wait for a failure runs: its `delay` plus its `after`. */
export function stepWaitMs(step: { delay?: string; after?: string }): number {
  return (step.delay ? parseDuration(step.delay) ?? 0 : 0) + (step.after ? parseDuration(step.after) ?? 0 : 0);
}

export function emptyWork(): PlannedWork {
  return { notifications: [], deliveries: [], jobs: [] };
}
