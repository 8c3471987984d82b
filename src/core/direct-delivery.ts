import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import type { DeliveryContext } from "../store/repositories/deliveries.js";
import type { AcceptedEvent } from "../store/repositories/events.js";
import type { InboxAppend } from "../store/repositories/inbox.js";
import type { PlannedWork } from "../store/repositories/plans.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import type { TtlCache } from "./cache.js";
import type { ChannelRegistry } from "./channels/registry.js";
import type { Clock } from "./clock.js";
import { errorMessage } from "./errors.js";
import type { Logger } from "./logger.js";
import type { MessageComposer } from "./message-composer.js";
import type { Metrics } from "./metrics.js";
import { mutedBy } from "./preferences.js";
import type { Realtime } from "./realtime/service.js";
import { hasGates } from "./rules/step-gates.js";
import type { StatusEvents } from "./status-webhooks/emitter.js";
import { deliveryStatusEvent } from "./status-webhooks/events.js";

/** What a commit of accepted events carries for in-app deliveries made in it, and what follows it. */
export interface DirectBatch {
  statements: BatchItem<"sqlite">[];
  /**
   * After the commit, with the rows `statements` returned: pushes the items to live connections.
   * Awaited before the 202: on Workers, work left running after the response may be cancelled.
   */
  committed(results: Record<string, unknown>[][]): Promise<void>;
  /** The statements queue outbox jobs (status webhooks): wake the outbox after the commit. */
  queuesJobs: boolean;
}

/**
 * In-app notifications due at once are appended to their subscribers' streams in the commit that
 * accepts their event: one transaction per event instead of four (accept, job claim, append,
 * outcome), the only one on the path from the POST to the frame (bench/realtime). They are composed
 * exactly as the outbox composes them (message-composer.ts). Whatever is not plain — a delayed or
 * escalation step, a fallback, a muted channel, a template that fails to render — keeps its outbox
 * job, which records the outcome the usual way.
 */
export function createDirectDelivery(deps: {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  channels: ChannelRegistry;
  composer: MessageComposer;
  realtime: Realtime;
  rules: TtlCache<RuleRecord[]>;
  /** Deliveries made here queue their `notification.delivered` in the same commit. */
  statusEvents?: StatusEvents;
}) {
  const { store, clock, logger, metrics, channels, composer, realtime } = deps;

  return async function takeDirect(events: AcceptedEvent[], work: PlannedWork): Promise<DirectBatch | undefined> {
    const jobs = new Map(work.jobs.filter((j) => j.kind === "deliver").map((j) => [j.ref, j]));
    const now = clock.now();
    const candidates = work.deliveries.filter((d) => {
      const job = jobs.get(d.id);
      const definition = channels.get(d.channel)?.definition;
      // A channel that defers for quiet hours needs the outbox's clock, whatever it appends.
      return d.status === "pending" && !d.unlessSeen && job !== undefined && job.runAt <= now && definition?.inboxItem !== undefined && definition.quietHours !== "defer";
    });
    if (candidates.length === 0) return undefined;

    const eventsById = new Map(events.map((e) => [e.id, e]));
    const notifications = new Map(work.notifications.map((n) => [n.id, n]));
    const recipients = await store.deliveries.recipients([...new Set(candidates.map((d) => notifications.get(d.notificationId)!.subscriberId))]);
    const items: InboxAppend[] = [];
    const direct = new Set<string>();
    for (const delivery of candidates) {
      const notification = notifications.get(delivery.notificationId)!;
      const event = eventsById.get(notification.eventId)!;
      const rule = (await deps.rules.get(event.type)).find((r) => r.id === notification.ruleId);
      // A condition, digest or throttle is settled by the outbox's run of the step.
      if (hasGates(rule?.body, delivery.step)) continue;
      const recipient = recipients.get(notification.subscriberId);
      const ctx: DeliveryContext = {
        delivery: { ...delivery, unlessSeen: false, attempts: 0, lastError: null, providerMessageId: null },
        notification: { ...notification, seenAt: null, readAt: null },
        event: { id: event.id, type: event.type, body: event.body, receivedAt: event.receivedAt, plannedAt: event.plannedAt },
        subscriber: recipient?.subscriber ?? null,
        rule: rule ? { body: rule.body } : null,
        preferences: recipient?.preferences ?? null,
      };
      const policy = composer.policy(ctx);
      if (mutedBy(policy.preferences, { channel: delivery.channel, category: policy.category, critical: policy.critical })) continue;
      const composed = await composer.compose(ctx, policy);
      if ("failure" in composed) continue;
      const item = composed.channel.definition.inboxItem!(composed.message, now);
      items.push({ subscriberId: notification.subscriberId, type: "notification", ...item });
      direct.add(delivery.id);
    }
    if (items.length === 0) return undefined;
    // Only now, with every item composed, is the plan changed: stored as sent, with no job.
    for (const delivery of candidates) if (direct.has(delivery.id)) Object.assign(delivery, { status: "sent", attempts: 1, updatedAt: now });
    work.jobs = work.jobs.filter((j) => j.kind !== "deliver" || !direct.has(j.ref));

    const statusEvents = candidates
      .filter((d) => direct.has(d.id))
      .map((d) => {
        const notification = notifications.get(d.notificationId)!;
        return deliveryStatusEvent({ deliveryId: d.id, notificationId: d.notificationId, eventId: notification.eventId, subscriberId: notification.subscriberId, channel: d.channel }, "sent", now);
      });
    const statusStatements = (await deps.statusEvents?.statements(statusEvents)) ?? [];
    return {
      statements: [...store.inbox.appendStatements(items), ...statusStatements],
      queuesJobs: statusStatements.length > 0,
      async committed(results) {
        const finished = clock.now();
        for (const delivery of candidates) {
          if (!direct.has(delivery.id)) continue;
          const event = eventsById.get(notifications.get(delivery.notificationId)!.eventId)!;
          metrics.deliveryFinished(delivery.channel, "sent", (finished - event.receivedAt) / 1000);
          logger.log("info", "delivery sent", { event: event.id, notification: delivery.notificationId, delivery: delivery.id, channel: delivery.channel, attempt: 1, direct: true });
        }
        try {
          await realtime.publishAppended(items, results);
        } catch (error) {
          // Stored already: connections that missed the frame find the items when they resume.
          logger.log("warn", "could not publish in-app notifications", { items: items.length, error: errorMessage(error) });
        }
      },
    };
  };
}

export type DirectDelivery = ReturnType<typeof createDirectDelivery>;
