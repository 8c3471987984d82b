/**
 * The tables of workflow steps (throttle slots, digests, the provider of a failover) and of
 * delivery-status webhooks; part of the one schema ./schema.ts exports.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Messages let through a rule's `throttle` (migration 0015): one row per delivery. */
export const throttleSlots = sqliteTable(
  "throttle_slots",
  {
    deliveryId: text("delivery_id").primaryKey(),
    scope: text("scope").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    takenAt: integer("taken_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("throttle_slots_by_scope").on(t.scope, t.takenAt), index("throttle_slots_by_expiry").on(t.expiresAt)],
);

/** A step's `digest` (migration 0015); `digests_open`, the one open digest per scope, is a partial index in the SQL. */
export const digests = sqliteTable(
  "digests",
  {
    id: text("id").primaryKey(),
    scope: text("scope").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    carrierId: text("carrier_id").notNull(),
    status: text("status").notNull().$type<"open" | "closed">(),
    openedAt: integer("opened_at").notNull(),
    sendAt: integer("send_at").notNull(),
  },
  (t) => [index("digests_by_subscriber").on(t.subscriberId), index("digests_by_send_at").on(t.sendAt)],
);

export const digestEvents = sqliteTable(
  "digest_events",
  {
    deliveryId: text("delivery_id").primaryKey(),
    digestId: text("digest_id").notNull(),
    notificationId: text("notification_id").notNull(),
    eventId: text("event_id").notNull(),
    addedAt: integer("added_at").notNull(),
  },
  (t) => [index("digest_events_by_digest").on(t.digestId, t.addedAt)],
);

/** The provider that answered a delivery's last attempt, for channels with failover (migration 0015). */
export const deliveryProviders = sqliteTable("delivery_providers", {
  deliveryId: text("delivery_id").primaryKey(),
  provider: text("provider").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
/** Delivery-status webhook endpoints (0017_webhook_endpoints.sql); `secret` is encrypted at rest. */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  events: text("events", { mode: "json" }).notNull().$type<string[]>(),
  secret: text("secret").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** One status event to one endpoint: the body every attempt sends, and where it stands. */
export const webhookMessages = sqliteTable(
  "webhook_messages",
  {
    id: text("id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    status: text("status").notNull().$type<WebhookMessageStatus>(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.endpointId] }),
    index("webhook_messages_by_status").on(t.status, t.updatedAt),
    index("webhook_messages_by_endpoint").on(t.endpointId),
    // 0019: the subscriber a body is about, for erasure (repositories/erasure.ts).
    index("webhook_messages_by_subscriber").on(sql`(payload ->> '$.data.subscriberId')`),
  ],
);

export type WebhookMessageStatus = "pending" | "sent" | "dead";
