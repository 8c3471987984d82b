import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { suppressionKey } from "./preferences.js";
import type { SubscriberRow } from "./subscribers.js";

/** What a room message written by an erased subscriber keeps in its `data`: clients can show "message removed". */
export const ERASED_MESSAGE_DATA = { erased: true } as const;

/**
 * `json_remove`/`json_set` of `body` without `id` in the array (or string) at `path`. The inner
 * expression is repeated rather than named: SQLite has no per-row variables in an UPDATE.
 */
function withoutId(body: SQL, path: string, id: string): SQL {
  return sql`CASE json_type(${body}, ${path})
    WHEN 'text' THEN CASE WHEN ${body} ->> ${path} = ${id} THEN json_remove(${body}, ${path}) ELSE ${body} END
    WHEN 'array' THEN json_set(${body}, ${path}, json((SELECT json_group_array(value) FROM json_each(${body}, ${path}) WHERE value != ${id})))
    ELSE ${body} END`;
}

/**
 * The statements that erase one subscriber, in order, for one atomic batch. What goes and what is
 * kept, and why, is listed in the README ("Erasing a subscriber"). In short:
 * - deleted: the subscriber, memberships, preferences, push subscriptions, addresses channels
 *   declared and outstanding address links, their own inbox and its unread count, pending delivery
 *   jobs, status webhook messages about them (queued, sent or dead) and their jobs;
 * - anonymised (their id replaced by `pseudonym`, one per erasure and never a valid subscriber id):
 *   notifications, clicks and delivery rows (counts and event histories stay true), and room messages
 *   they wrote: the text goes, a tombstone stays, so other members' seqs and cursors stay gap-free;
 * - events that reached only them lose `data` and `to`; others lose their id from `to`/`subscribers`;
 * - suppressions of their email, phone or declared addresses are kept, as a hash only: see `suppressionKey`.
 *
 * Room-message copies in other members' streams are found by a scan of `inbox` (~70 ms a million
 * rows, bench/erasure.ts), so that statement is left out (`copies: false`) for someone who wrote
 * no room message, as most never do; an index on `inbox(sender_id)` would cost every room post a
 * B-tree more per member instead.
 */
export function erasureStatements(
  db: HeraldDb,
  subscriber: Pick<SubscriberRow, "id" | "email" | "phone"> & { addresses?: string[] },
  pseudonym: string,
  now: number,
  options: { copies: boolean } = { copies: true },
): BatchItem<"sqlite">[] {
  const id = subscriber.id;
  const theirNotifications = sql`SELECT id FROM notifications WHERE subscriber_id = ${id}`;
  const theirDeliveries = sql`SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.subscriber_id = ${id}`;
  const named = (path: string) => sql`EXISTS (SELECT 1 FROM json_each(events.body, ${path}) WHERE value = ${id})`;
  const namesOthers = (path: string) => sql`EXISTS (SELECT 1 FROM json_each(events.body, ${path}) WHERE value != ${id})`;
  const body = sql`events.body`;
  // Spelled as migration 0019's index is, so the index answers it.
  const aboutThem = sql`payload ->> '$.data.subscriberId' = ${id}`;
  const addresses = [subscriber.email, subscriber.phone, ...(subscriber.addresses ?? [])].filter((a): a is string => typeof a === "string" && a.trim() !== "");

  return [
    // Messages they wrote: a tombstone with no text, no name, no client id, under the pseudonym.
    // First (MESSAGES_STATEMENT): its RETURNING rows tell the caller whether any were written after
    // it looked, and so whether their copies still need renaming (copiesStatement).
    db.run(sql`UPDATE topic_messages SET sender_id = ${pseudonym}, sender_name = NULL, body = '', data = ${JSON.stringify(ERASED_MESSAGE_DATA)}, client_message_id = NULL
      WHERE sender_id = ${id} RETURNING id`),
    // Events next, while notifications still name them. An event that reached no one else and names
    // no one else was about them alone: its data goes. Others keep their data (other people's history).
    db.run(sql`UPDATE events SET body = CASE
        WHEN NOT EXISTS (SELECT 1 FROM notifications o WHERE o.event_id = events.id AND o.subscriber_id != ${id})
          AND NOT ${namesOthers("$.to")} AND NOT ${namesOthers("$.subscribers")}
        THEN json_remove(${body}, '$.data', '$.to', '$.subscribers')
        ELSE ${withoutId(withoutId(body, "$.to", id), "$.subscribers", id)} END
      WHERE events.id IN (SELECT event_id FROM notifications WHERE subscriber_id = ${id})
        OR (events.id IN (SELECT ref FROM jobs WHERE kind = 'plan') AND (${named("$.to")} OR ${named("$.subscribers")}))`),
    // Nothing more goes out to them: pending jobs deleted, pending and held steps (delays, escalations, fallbacks) cancelled.
    db.run(sql`DELETE FROM jobs WHERE id IN (SELECT 'deliver:' || d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.subscriber_id = ${id})`),
    db.run(sql`UPDATE deliveries SET status = CASE WHEN status IN ('pending', 'waiting') THEN 'cancelled' ELSE status END,
        last_error = CASE WHEN status IN ('pending', 'waiting') THEN 'subscriber erased' ELSE NULL END,
        provider_message_id = NULL, updated_at = ${now}
      WHERE notification_id IN (${theirNotifications})`),
    // Their deliveries' sends keep their times and outcomes; provider answers may quote an address.
    db.run(sql`UPDATE delivery_attempts SET answer = NULL, provider_message_id = NULL WHERE delivery_id IN (${theirDeliveries})`),
    db.run(sql`UPDATE notification_clicks SET subscriber_id = ${pseudonym} WHERE subscriber_id = ${id}`),
    db.run(sql`UPDATE notifications SET subscriber_id = ${pseudonym} WHERE subscriber_id = ${id}`),
    // Their own stream (the triggers bring the unread count to 0; the row goes too).
    db.run(sql`DELETE FROM inbox WHERE subscriber_id = ${id}`),
    db.run(sql`DELETE FROM inbox_unread_counts WHERE subscriber_id = ${id}`),
    ...(options.copies ? [copiesStatement(db, id, pseudonym)] : []),
    db.run(sql`DELETE FROM push_subscriptions WHERE subscriber_id = ${id}`),
    db.run(sql`DELETE FROM subscriber_preferences WHERE subscriber_id = ${id}`),
    db.run(sql`DELETE FROM topic_subscribers WHERE subscriber_id = ${id}`),
    // Frequency-cap slots and digests name them (migration 0015); their pending sends were cancelled above.
    db.run(sql`DELETE FROM throttle_slots WHERE subscriber_id = ${id}`),
    db.run(sql`DELETE FROM digest_events WHERE digest_id IN (SELECT id FROM digests WHERE subscriber_id = ${id})`),
    db.run(sql`DELETE FROM digests WHERE subscriber_id = ${id}`),
    // Status webhook messages about them (their id, and perhaps an address in a delivery error),
    // queued, sent or dead, and the jobs that would send the queued ones: nothing about them goes
    // out after this commit. Found by the index on the body's subscriber (migration 0019).
    db.run(sql`DELETE FROM jobs WHERE id IN (SELECT 'webhook:' || endpoint_id || ':' || id FROM webhook_messages WHERE ${aboutThem})`),
    db.run(sql`DELETE FROM webhook_messages WHERE ${aboutThem}`),
    // Addresses channels declared (a Telegram chat id) and links not yet followed.
    db.run(sql`DELETE FROM subscriber_addresses WHERE subscriber_id = ${id}`),
    db.run(sql`DELETE FROM address_links WHERE subscriber_id = ${id}`),
    // Suppressions of their addresses stay (see suppressionKey), as a hash; the reason loses the address.
    ...addresses.flatMap((address) => [
      db.run(sql`INSERT OR IGNORE INTO suppressions (channel, address, reason, created_at)
        SELECT channel, ${suppressionKey(address)}, replace(reason, address, '[erased]'), created_at FROM suppressions WHERE lower(address) = ${address.trim().toLowerCase()}`),
      db.run(sql`DELETE FROM suppressions WHERE lower(address) = ${address.trim().toLowerCase()}`),
    ]),
    db.run(sql`DELETE FROM subscribers WHERE id = ${id}`),
  ];
}

/** Index of the topic_messages update in `erasureStatements`, whose rows say whether they wrote any room message. */
export const MESSAGES_STATEMENT = 0;

/** Their room messages' copies in other members' streams (their own stream is deleted before). */
export function copiesStatement(db: HeraldDb, id: string, pseudonym: string): BatchItem<"sqlite"> {
  return db.run(sql`UPDATE inbox SET sender_id = ${pseudonym}, sender_name = NULL, client_message_id = NULL,
      body = CASE WHEN body IS NULL THEN NULL ELSE '' END, data = CASE WHEN body IS NULL THEN data ELSE ${JSON.stringify(ERASED_MESSAGE_DATA)} END
    WHERE sender_id = ${id}`);
}

/** Whether this subscriber wrote any room message (topic_messages_by_sender, 0008). */
export async function wroteMessages(db: HeraldDb, id: string): Promise<boolean> {
  const rows = await db.all(sql`SELECT 1 FROM topic_messages WHERE sender_id = ${id} LIMIT 1`);
  return rows.length > 0;
}
