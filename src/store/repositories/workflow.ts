import { and, asc, count, desc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { deliveries, deliveryProviders, digestEvents, digests, events, notifications, throttleSlots } from "../schema.js";
import { inJsonArray } from "../bulk.js";
import { chunks } from "../db.js";

/** Finished digests and their rows are kept this long after sending: a member job re-run after a crash still finds its digest. */
const DIGESTS_KEPT_MS = 7 * 24 * 60 * 60_000;

export interface DigestRow {
  id: string;
  carrierId: string;
  status: "open" | "closed";
  sendAt: number;
}

export interface DigestContents {
  count: number;
  /** The oldest event's body, and the newest `max` in order, newest last. */
  first: { eventId: string; body: unknown } | undefined;
  events: { eventId: string; body: unknown }[];
}

/** What step conditions, throttles and digests keep (migration 0015), and the step states they read. */
export function workflowRepository(db: HeraldDb, write: (items: BatchItem<"sqlite">[]) => Promise<Record<string, unknown>[][]>) {
  return {
    /** Each step of a notification with its status, for `steps.<index>.status` in a step's `if`. */
    async stepStatuses(notificationId: string): Promise<{ step: number; channel: string; status: string }[]> {
      return db.select({ step: deliveries.step, channel: deliveries.channel, status: deliveries.status }).from(deliveries).where(eq(deliveries.notificationId, notificationId)).orderBy(asc(deliveries.step)).all();
    },

    /**
     * Takes a throttle slot for a delivery if fewer than `limit` were taken in the scope during the
     * last `windowMs`. One INSERT … SELECT decides, so concurrent sends cannot both take the last slot;
     * a delivery that holds a slot already (a retry) keeps it.
     */
    async takeSlot(slot: { deliveryId: string; scope: string; subscriberId: string; now: number; windowMs: number; limit: number }): Promise<boolean> {
      const { deliveryId, scope, subscriberId, now, windowMs, limit } = slot;
      const [, , mine] = await write([
        // Slots past their window free the scope; only this scope's, so the cost stays with its owner.
        db.run(sql`DELETE FROM throttle_slots WHERE scope = ${scope} AND expires_at <= ${now} AND delivery_id != ${deliveryId}`),
        db.run(sql`INSERT INTO throttle_slots (delivery_id, scope, subscriber_id, taken_at, expires_at)
          SELECT ${deliveryId}, ${scope}, ${subscriberId}, ${now}, ${now + windowMs}
          WHERE (SELECT count(*) FROM throttle_slots WHERE scope = ${scope} AND taken_at > ${now - windowMs}) < ${limit}
          ON CONFLICT DO NOTHING`),
        db.run(sql`SELECT 1 AS taken FROM throttle_slots WHERE delivery_id = ${deliveryId}`),
      ]);
      return (mine?.length ?? 0) > 0;
    },

    /**
     * Puts a delivery's event into the open digest of its scope, opening one (`candidate`, carried by
     * this delivery) when there is none, in one transaction. Idempotent: a delivery already in a
     * digest stays in that one. Returns the digest it is in.
     */
    async joinDigest(entry: { deliveryId: string; notificationId: string; eventId: string; scope: string; subscriberId: string; candidateId: string; now: number; sendAt: number }): Promise<DigestRow> {
      const e = entry;
      const [, , rows] = await write([
        // Opens nothing if this delivery already has a digest or the scope has an open one (digests_open).
        db.run(sql`INSERT INTO digests (id, scope, subscriber_id, carrier_id, status, opened_at, send_at)
          SELECT ${e.candidateId}, ${e.scope}, ${e.subscriberId}, ${e.deliveryId}, 'open', ${e.now}, ${e.sendAt}
          WHERE NOT EXISTS (SELECT 1 FROM digest_events WHERE delivery_id = ${e.deliveryId})
          ON CONFLICT DO NOTHING`),
        db.run(sql`INSERT INTO digest_events (delivery_id, digest_id, notification_id, event_id, added_at)
          SELECT ${e.deliveryId}, id, ${e.notificationId}, ${e.eventId}, ${e.now} FROM digests WHERE scope = ${e.scope} AND status = 'open'
          ON CONFLICT DO NOTHING`),
        db.run(sql`SELECT d.id AS id, d.carrier_id AS carrierId, d.status AS status, d.send_at AS sendAt
          FROM digest_events m JOIN digests d ON d.id = m.digest_id WHERE m.delivery_id = ${e.deliveryId}`),
      ]);
      const row = rows?.[0];
      if (!row) throw new Error(`delivery ${e.deliveryId} joined no digest`);
      return { id: String(row.id), carrierId: String(row.carrierId), status: row.status as DigestRow["status"], sendAt: Number(row.sendAt) };
    },

    /** Closes a digest: events arriving from now on open the next one. Committed before its contents are read. */
    async closeDigest(id: string): Promise<void> {
      await db.update(digests).set({ status: "closed" }).where(and(eq(digests.id, id), eq(digests.status, "open"))).run();
    },

    /** A closed digest's events (optionally only those whose notification is neither seen nor read): the count, the oldest and the newest `max`. */
    async digestContents(id: string, options: { unseenOnly: boolean; max: number }): Promise<DigestContents> {
      const where = options.unseenOnly ? and(eq(digestEvents.digestId, id), isNull(notifications.seenAt), isNull(notifications.readAt)) : eq(digestEvents.digestId, id);
      const base = () =>
        db
          .select({ eventId: events.id, body: events.body })
          .from(digestEvents)
          .innerJoin(notifications, eq(notifications.id, digestEvents.notificationId))
          .innerJoin(events, eq(events.id, digestEvents.eventId))
          .where(where);
      const [total] = await db.select({ n: count() }).from(digestEvents).innerJoin(notifications, eq(notifications.id, digestEvents.notificationId)).where(where).all();
      const n = total?.n ?? 0;
      if (n === 0) return { count: 0, first: undefined, events: [] };
      const first = await base().orderBy(asc(events.receivedAt), asc(digestEvents.deliveryId)).limit(1).get();
      const newest = await base().orderBy(desc(events.receivedAt), desc(digestEvents.deliveryId)).limit(options.max).all();
      return { count: n, first, events: newest.reverse() };
    },

    /** Records which provider answered a delivery's attempt (channels with failover). */
    providerStatement(deliveryId: string, provider: string, now: number): BatchItem<"sqlite"> {
      return db.insert(deliveryProviders).values({ deliveryId, provider, updatedAt: now }).onConflictDoUpdate({ target: deliveryProviders.deliveryId, set: { provider, updatedAt: now } });
    },

    /** The recorded provider of each of these deliveries that has one. */
    async providersOf(deliveryIds: string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const part of chunks(deliveryIds)) {
        for (const row of await db.select().from(deliveryProviders).where(inJsonArray(deliveryProviders.deliveryId, part)).all()) out.set(row.deliveryId, row.provider);
      }
      return out;
    },

    /** Expired throttle slots, and digests sent more than a week ago with their events. */
    async deleteExpired(now: number): Promise<void> {
      const old = now - DIGESTS_KEPT_MS;
      await db.delete(throttleSlots).where(lte(throttleSlots.expiresAt, now)).run();
      const gone = db.select({ id: digests.id }).from(digests).where(and(eq(digests.status, "closed"), lte(digests.sendAt, old)));
      await db.delete(digestEvents).where(inArray(digestEvents.digestId, gone)).run();
      await db.delete(digests).where(and(eq(digests.status, "closed"), lte(digests.sendAt, old))).run();
    },
  };
}

export type WorkflowRepository = ReturnType<typeof workflowRepository>;
