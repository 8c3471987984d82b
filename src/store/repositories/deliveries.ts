import { and, asc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray, inJsonArrayParam, jsonArrays } from "../bulk.js";
import { type AttemptOutcome, deliveries, deliveryCounts, deliveryCountsByEvent, type DeliveryStatus, events, notifications, rules, subscriberPreferences, subscribers } from "../schema.js";

export type DeliveryRow = typeof deliveries.$inferSelect;

/** One send as the event timeline shows it (`delivery_attempts`). */
export interface Attempt {
  outcome: AttemptOutcome;
  code?: string | null;
  answer?: string | null;
  provider: string;
  providerMessageId?: string | null;
  startedAt: number;
  finishedAt: number;
}

/** Longest provider answer kept per attempt: enough for an error line, not a provider's whole page. */
export const ATTEMPT_ANSWER_MAX = 500;

export interface DeliveryContext {
  delivery: DeliveryRow;
  notification: typeof notifications.$inferSelect;
  event: typeof events.$inferSelect;
  subscriber: typeof subscribers.$inferSelect | null;
  /** The rule's stored body (critical, category); null for broadcasts and deleted rules. */
  rule: { body: unknown } | null;
  /** The subscriber's preferences document, unvalidated. */
  preferences: { body: unknown } | null;
  /** Their addresses that channels declare (subscriber_addresses), by field; absent where not loaded (in-app deliveries need none). */
  addresses?: Record<string, string>;
}

/**
 * The status a `sent` outcome writes. An in-app send whose item already reached a live connection
 * is `delivered`: the outbox appends the item (and its frame goes out) before its job records the
 * send, and the connection's confirmation (markRealtimeDelivered, which marks only `sent`) may come
 * first. A provider's confirmation recorded first also stays. Two key lookups, for in-app rows only.
 */
const sentStatus = sql`CASE WHEN ${deliveries.status} = 'delivered' OR (${deliveries.channel} = 'realtime' AND EXISTS (
    SELECT 1 FROM notifications AS n JOIN inbox AS i ON i.subscriber_id = n.subscriber_id AND i.id = n.id
    WHERE n.id = ${deliveries.notificationId} AND i.delivered_at IS NOT NULL)) THEN 'delivered' ELSE 'sent' END`;

export function deliveriesRepository(db: HeraldDb) {
  // Both run for every batch of deliveries (contexts) and every accepted event (recipients): built once.
  const contextsQuery = db
    .select({
      delivery: deliveries,
      notification: notifications,
      event: events,
      subscriber: subscribers,
      rule: { body: rules.body },
      preferences: { body: subscriberPreferences.body },
      // A correlated subquery, not a join: one row per delivery whatever the number of addresses (a primary-key range probe).
      addresses: sql<string>`(SELECT json_group_object(field, address) FROM subscriber_addresses WHERE subscriber_id = ${notifications.subscriberId})`,
    })
    .from(deliveries)
    .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
    .innerJoin(events, eq(events.id, notifications.eventId))
    .leftJoin(subscribers, eq(subscribers.id, notifications.subscriberId))
    .leftJoin(rules, eq(rules.id, notifications.ruleId))
    .leftJoin(subscriberPreferences, eq(subscriberPreferences.subscriberId, notifications.subscriberId))
    .where(inJsonArrayParam(deliveries.id, "ids"))
    .prepare();
  const recipientsQuery = db
    .select({ subscriber: subscribers, preferences: { body: subscriberPreferences.body } })
    .from(subscribers)
    .leftJoin(subscriberPreferences, eq(subscriberPreferences.subscriberId, subscribers.id))
    .where(inJsonArrayParam(subscribers.id, "ids"))
    .prepare();

  return {
    /** Everything the sends of these deliveries need, in one query. */
    async contexts(deliveryIds: string[]): Promise<Map<string, DeliveryContext>> {
      const out = new Map<string, DeliveryContext>();
      for (const part of chunks(deliveryIds)) {
        for (const row of await contextsQuery.all({ ids: JSON.stringify(part) })) out.set(row.delivery.id, { ...row, addresses: parseAddresses(row.addresses) });
      }
      return out;
    },
    /** The subscriber and preference halves of delivery contexts, for deliveries not stored yet (one query). */
    async recipients(subscriberIds: string[]): Promise<Map<string, Pick<DeliveryContext, "subscriber" | "preferences">>> {
      const out = new Map<string, Pick<DeliveryContext, "subscriber" | "preferences">>();
      for (const part of chunks(subscriberIds)) {
        for (const row of await recipientsQuery.all({ ids: JSON.stringify(part) })) out.set(row.subscriber.id, row);
      }
      return out;
    },
    /** Records one attempt's outcome; `attempts` counts sends, not lease claims. */
    outcomeStatement(
      id: string,
      outcome: { status: DeliveryStatus; error?: string | null; providerMessageId?: string | null; countAttempt: boolean },
      now: number,
    ): BatchItem<"sqlite"> {
      return db
        .update(deliveries)
        .set({
          status: outcome.status === "sent" ? sentStatus : outcome.status,
          lastError: outcome.error ?? null,
          ...(outcome.providerMessageId !== undefined ? { providerMessageId: outcome.providerMessageId } : {}),
          attempts: outcome.countAttempt ? sql`${deliveries.attempts} + 1` : deliveries.attempts,
          updatedAt: now,
        })
        .where(eq(deliveries.id, id));
    },
    /**
     * Records sends, for the same batch as their outcomes: each numbered after its delivery's last
     * recorded attempt (a primary-key lookup); the migration's trigger keeps the newest 40. One
     * statement per JSON chunk (bulk.ts), so the in-app deliveries of a whole accepting commit or
     * plan part cost one (D1 counts statements). Each delivery at most once a call: a statement's
     * rows do not see one another in MAX(n).
     */
    attemptStatements(attempts: (Attempt & { deliveryId: string })[]): BatchItem<"sqlite">[] {
      if (attempts.length === 0) return [];
      const rows = attempts.map((a) => ({
        d: a.deliveryId,
        at: a.finishedAt,
        o: a.outcome,
        c: a.code ?? null,
        a: a.answer ? [...a.answer].slice(0, ATTEMPT_ANSWER_MAX).join("") : null,
        p: a.provider,
        m: a.providerMessageId ?? null,
        ms: Math.max(0, Math.round(a.finishedAt - a.startedAt)),
      }));
      return jsonArrays(rows).map(
        (json) => db.run(sql`INSERT INTO delivery_attempts (delivery_id, n, at, outcome, code, answer, provider, provider_message_id, duration_ms)
          SELECT value ->> 'd', COALESCE((SELECT MAX(n) FROM delivery_attempts WHERE delivery_id = value ->> 'd'), 0) + 1, value ->> 'at', value ->> 'o',
            value ->> 'c', value ->> 'a', value ->> 'p', value ->> 'm', value ->> 'ms'
          FROM json_each(${json})`),
      );
    },
    /**
     * Copies seen/read from the inbox to the notification, and cancels its pending escalations
     * (`unlessSeen` steps) at once rather than when their time comes, so status shows it right away.
     */
    async markNotification(notificationId: string, seenAt: number | null, readAt: number | null): Promise<void> {
      if (seenAt === null && readAt === null) return;
      await db
        .update(notifications)
        .set({ seenAt: sql`COALESCE(${notifications.seenAt}, ${seenAt})`, readAt: sql`COALESCE(${notifications.readAt}, ${readAt})` })
        .where(eq(notifications.id, notificationId));
      // Separate statements, both idempotent: a crash between them leaves the run-time check to cancel it.
      await this.cancelEscalationsStatement(notificationId, seenAt ?? readAt!);
    },
    /**
     * `markNotification` for every notification `ids` selects (a subquery of ids), read at `now`,
     * as statements for the caller's batch: one statement each however many it selects.
     */
    notificationsReadStatements(ids: SQL, now: number): BatchItem<"sqlite">[] {
      return [
        db.run(sql`UPDATE notifications SET seen_at = COALESCE(seen_at, ${now}), read_at = COALESCE(read_at, ${now}) WHERE id IN (${ids})`),
        db
          .update(deliveries)
          .set({ status: "cancelled", lastError: "seen before escalation", updatedAt: now })
          .where(and(sql`${deliveries.notificationId} IN (${ids})`, eq(deliveries.unlessSeen, true), inArray(deliveries.status, ["pending", "waiting"]))),
      ];
    },
    /** Escalation steps of a notification that is now seen: they must never send. */
    cancelEscalationsStatement(notificationId: string, now: number): BatchItem<"sqlite"> {
      return db
        .update(deliveries)
        .set({ status: "cancelled", lastError: "seen before escalation", updatedAt: now })
        .where(and(eq(deliveries.notificationId, notificationId), eq(deliveries.unlessSeen, true), inArray(deliveries.status, ["pending", "waiting"])));
    },
    /**
     * Real-time notifications reached a live connection: their in-app deliveries that were sent
     * become `delivered`. Only `sent` ones: a later in-app step of the same notification (a
     * `delay`, an escalation) is still `pending` and has sent nothing yet. A send recorded after
     * the connection confirmed its item (the outbox appends, then acks) is made `delivered` by
     * `outcomeStatement`.
     */
    async markRealtimeDelivered(notificationIds: string[], now: number): Promise<void> {
      for (const part of chunks(notificationIds)) {
        await db
          .update(deliveries)
          .set({ status: "delivered", updatedAt: now })
          .where(and(inJsonArray(deliveries.notificationId, part), eq(deliveries.channel, "realtime"), eq(deliveries.status, "sent")));
      }
    },
    /** Deliveries of one channel by the provider's message id (status callbacks). */
    async byProviderMessage(channel: string, providerMessageIds: string[]): Promise<Map<string, DeliveryRow>> {
      const out = new Map<string, DeliveryRow>();
      for (const part of chunks(providerMessageIds)) {
        const rows = await db
          .select()
          .from(deliveries)
          .where(and(eq(deliveries.channel, channel), inJsonArray(deliveries.providerMessageId, part)))
          .all();
        for (const row of rows) out.set(row.providerMessageId!, row);
      }
      return out;
    },
    /** The fallback step waiting right after `step`, if the rule has one. */
    async nextWaiting(notificationId: string, step: number): Promise<DeliveryRow | undefined> {
      const next = await db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.notificationId, notificationId), gt(deliveries.step, step)))
        .orderBy(asc(deliveries.step))
        .limit(1)
        .get();
      return next?.status === "waiting" ? next : undefined;
    },
    /**
     * `nextWaiting` for many failed steps in one query: keyed `<notification id>\u0000<step>`,
     * the step right after each, present only when it is waiting.
     */
    async nextWaitingMany(keys: string[]): Promise<Map<string, DeliveryRow>> {
      const out = new Map<string, DeliveryRow>();
      for (const part of chunks(keys)) {
        const pairs = JSON.stringify(part.map((k) => k.split("\u0000")).map(([n, s]) => [n, Number(s)]));
        const rows = await db
          .select({ delivery: deliveries, n: sql<string>`p.n`, s: sql<number>`p.s` })
          .from(deliveries)
          .innerJoin(sql`(SELECT value ->> 0 AS n, value ->> 1 AS s FROM json_each(${pairs})) AS p`, sql`${deliveries.notificationId} = p.n`)
          .where(sql`${deliveries.step} = (SELECT min(x.step) FROM deliveries AS x WHERE x.notification_id = p.n AND x.step > p.s) AND ${deliveries.status} = 'waiting'`)
          .all();
        for (const row of rows) out.set(`${row.n}\u0000${row.s}`, row.delivery);
      }
      return out;
    },
    /**
     * Events' deliveries per status, a broadcast's progress (kept by 0021_delivery_counts.sql: no
     * delivery is read), in one query per chunk of ids; an event with no deliveries gets `[]`.
     */
    async countsForEvents(eventIds: string[]): Promise<Map<string, { status: string; n: number }[]>> {
      const out = new Map<string, { status: string; n: number }[]>(eventIds.map((id) => [id, []]));
      for (const part of chunks(eventIds)) {
        const rows = await db.select().from(deliveryCountsByEvent).where(inJsonArray(deliveryCountsByEvent.eventId, part)).all();
        for (const { eventId, status, n } of rows) out.get(eventId)?.push({ status, n });
      }
      return out;
    },
    /** Counts per channel and status, for `/v1/stats` (kept by 0021_delivery_counts.sql). */
    async countsByChannelAndStatus(): Promise<{ channel: string; status: DeliveryStatus; n: number }[]> {
      return db.select().from(deliveryCounts).all();
    },
  };
}

function parseAddresses(json: string | null): Record<string, string> {
  if (!json) return {};
  try {
    return JSON.parse(json) as Record<string, string>;
  } catch {
    return {};
  }
}
