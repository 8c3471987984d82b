/**
 * The one SQLite schema shared by libSQL (Node, Deno) and D1 (Workers).
 * Times are integer milliseconds since the epoch; JSON columns hold validated documents.
 * The SQL in ./migrations is the source of truth for the database; this file types queries against it.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const subscribers = sqliteTable("subscribers", {
  id: text("id").primaryKey(),
  name: text("name"),
  email: text("email"),
  phone: text("phone"),
  locale: text("locale"),
  timezone: text("timezone"),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const topicSubscribers = sqliteTable(
  "topic_subscribers",
  {
    topic: text("topic").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.topic, t.subscriberId] }), index("topic_subscribers_by_subscriber").on(t.subscriberId)],
);

export const templates = sqliteTable("templates", {
  key: text("key").primaryKey(),
  body: text("body", { mode: "json" }).notNull().$type<unknown>(),
  version: integer("version").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    eventType: text("event_type").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    body: text("body", { mode: "json" }).notNull().$type<unknown>(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("rules_by_event_type").on(t.eventType, t.enabled)],
);

export const events = sqliteTable("events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  body: text("body", { mode: "json" }).notNull().$type<unknown>(),
  receivedAt: integer("received_at").notNull(),
  plannedAt: integer("planned_at"),
});

export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    ruleId: text("rule_id").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    createdAt: integer("created_at").notNull(),
    seenAt: integer("seen_at"),
    readAt: integer("read_at"),
  },
  (t) => [index("notifications_by_event").on(t.eventId), index("notifications_by_subscriber").on(t.subscriberId, t.createdAt)],
);

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    notificationId: text("notification_id").notNull(),
    step: integer("step").notNull(),
    channel: text("channel").notNull(),
    template: text("template").notNull(),
    /** Escalation: skip this step if the notification was seen or read before it runs. */
    unlessSeen: integer("unless_seen", { mode: "boolean" }).notNull().default(false),
    status: text("status").notNull().$type<DeliveryStatus>(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    providerMessageId: text("provider_message_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("deliveries_by_notification_step").on(t.notificationId, t.step), index("deliveries_by_status").on(t.status, t.channel)],
);

/**
 * Delivery counts per event and status, and per channel and status (0021_delivery_counts.sql): kept by
 * triggers on `deliveries`, read by broadcast progress and /v1/stats instead of counting deliveries.
 */
export const deliveryCountsByEvent = sqliteTable(
  "delivery_counts_by_event",
  { eventId: text("event_id").notNull(), status: text("status").notNull().$type<DeliveryStatus>(), n: integer("n").notNull() },
  (t) => [primaryKey({ columns: [t.eventId, t.status] })],
);
export const deliveryCounts = sqliteTable(
  "delivery_counts",
  { channel: text("channel").notNull(), status: text("status").notNull().$type<DeliveryStatus>(), n: integer("n").notNull() },
  (t) => [primaryKey({ columns: [t.channel, t.status] })],
);

/**
 * Each send of a delivery (0014_delivery_attempts.sql): `n` counts from 1; the newest 40 are kept and
 * they go with their delivery (triggers). `outcome` is what the attempt decided: `sent`, `retry`
 * (another attempt is scheduled), `failed` or `dead` (attempts used up).
 */
export const deliveryAttempts = sqliteTable(
  "delivery_attempts",
  {
    deliveryId: text("delivery_id").notNull(),
    n: integer("n").notNull(),
    at: integer("at").notNull(),
    outcome: text("outcome").notNull().$type<AttemptOutcome>(),
    code: text("code"),
    answer: text("answer"),
    provider: text("provider").notNull(),
    providerMessageId: text("provider_message_id"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.n] })],
);

export type AttemptOutcome = "sent" | "retry" | "failed" | "dead";

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull().$type<JobKind>(),
    ref: text("ref").notNull(),
    runAt: integer("run_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until"),
    createdAt: integer("created_at").notNull().default(sql`0`),
  },
  (t) => [
    index("jobs_due").on(t.runAt),
    // 0010_workers.sql: the Workers dispatcher's free jobs, and the cron's expired leases.
    index("jobs_free").on(t.runAt).where(sql`lease_owner IS NULL`),
    index("jobs_leased").on(t.leaseUntil).where(sql`lease_owner IS NOT NULL`),
  ],
);

/**
 * `waiting`: a fallback step held until the step before it fails.
 * `cancelled`: an escalation made pointless (the notification was seen) or a fallback never needed.
 */
export type DeliveryStatus = "pending" | "waiting" | "sent" | "delivered" | "failed" | "dead" | "cancelled";
/**
 * Ordered jobs (0018_job_lanes.sql, core/outbox/lanes.ts): a job with an ordering key has a row;
 * within a lane, `seq` (the rowid) is the order the jobs were accepted. Deleted with its job (trigger).
 */
export const jobLanes = sqliteTable(
  "job_lanes",
  {
    seq: integer("seq").primaryKey(),
    jobId: text("job_id").notNull(),
    lane: text("lane").notNull(),
  },
  (t) => [uniqueIndex("job_lanes_by_job").on(t.jobId), index("job_lanes_by_lane").on(t.lane, t.seq)],
);

/**
 * Jobs whose attempts are spent (0020_dead_jobs.sql, core/outbox/job-failures.ts): out of `jobs`,
 * never retried, kept for an operator to see and send again.
 */
export const deadJobs = sqliteTable(
  "dead_jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull().$type<JobKind>(),
    ref: text("ref").notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error"),
    diedAt: integer("died_at").notNull(),
  },
  (t) => [index("dead_jobs_by_time").on(t.diedAt)],
);

/**
 * Workers: subscribers with live connections, kept by their inbox objects (0010_workers.sql), so
 * live frames go only to objects that have someone to send them to.
 */
export const liveConnections = sqliteTable("live_connections", {
  subscriberId: text("subscriber_id").primaryKey(),
  connections: integer("connections").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * `plan-part`: one bounded share of a large audience's planning (core/plan-parts.ts).
 * `webhook`: one delivery-status message to one registered endpoint (ref `<endpoint id>:<message id>`).
 */
export type JobKind = "plan" | "plan-part" | "deliver" | "plugin" | "webhook";

export const topics = sqliteTable("topics", {
  key: text("key").primaryKey(),
  name: text("name"),
  allowMemberMessages: integer("allow_member_messages", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Unread inbox items per subscriber, kept by triggers (0006_unread_counts.sql); queries only read it. */
export const inboxUnreadCounts = sqliteTable("inbox_unread_counts", {
  subscriberId: text("subscriber_id").primaryKey(),
  n: integer("n").notNull(),
});

export const inbox = sqliteTable(
  "inbox",
  {
    subscriberId: text("subscriber_id").notNull(),
    seq: integer("seq").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull().$type<InboxItemType>(),
    topic: text("topic"),
    title: text("title"),
    body: text("body"),
    url: text("url"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    senderId: text("sender_id"),
    senderName: text("sender_name"),
    clientMessageId: text("client_message_id"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
    seenAt: integer("seen_at"),
    readAt: integer("read_at"),
  },
  // inbox_unread is a partial index (WHERE read_at IS NULL) and the table is WITHOUT ROWID: see 0002_realtime.sql.
  (t) => [primaryKey({ columns: [t.subscriberId, t.seq] }), uniqueIndex("inbox_by_item").on(t.subscriberId, t.id)],
);

export const topicMessages = sqliteTable(
  "topic_messages",
  {
    id: text("id").primaryKey(),
    topic: text("topic").notNull(),
    senderId: text("sender_id"),
    senderName: text("sender_name"),
    system: integer("system", { mode: "boolean" }).notNull().default(false),
    clientMessageId: text("client_message_id"),
    body: text("body").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("topic_messages_dedup").on(t.topic, t.senderId, t.clientMessageId), index("topic_messages_by_topic").on(t.topic, t.createdAt)],
);

export type InboxItemType = "notification" | "message";

/** The last seq retention deleted from a subscriber's stream: appends go on after it (0007_retention.sql). */
export const inboxSeqFloor = sqliteTable("inbox_seq_floor", {
  subscriberId: text("subscriber_id").primaryKey(),
  seq: integer("seq").notNull(),
});

/** Items a subscriber archived (0012_inbox_state.sql); deleted with their inbox row by a trigger. */
export const inboxArchive = sqliteTable(
  "inbox_archive",
  {
    subscriberId: text("subscriber_id").notNull(),
    id: text("id").notNull(),
    archivedAt: integer("archived_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.id] })],
);

/** How far a room message got with the other members: first delivery, first read (0012_inbox_state.sql). */
export const topicMessageReceipts = sqliteTable("topic_message_receipts", {
  id: text("id").primaryKey(),
  deliveredAt: integer("delivered_at"),
  readAt: integer("read_at"),
});

export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    endpoint: text("endpoint").primaryKey(),
    subscriberId: text("subscriber_id").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: integer("created_at").notNull(),
    lastSuccessAt: integer("last_success_at"),
    expirationTime: integer("expiration_time"),
  },
  (t) => [index("push_subscriptions_by_subscriber").on(t.subscriberId)],
);

export const notificationClicks = sqliteTable("notification_clicks", {
  notificationId: text("notification_id").primaryKey(),
  subscriberId: text("subscriber_id").notNull(),
  action: text("action"),
  clickedAt: integer("clicked_at").notNull(),
});

export const subscriberPreferences = sqliteTable("subscriber_preferences", {
  subscriberId: text("subscriber_id").primaryKey(),
  body: text("body", { mode: "json" }).notNull().$type<unknown>(),
  updatedAt: integer("updated_at").notNull(),
});

export const suppressions = sqliteTable(
  "suppressions",
  {
    channel: text("channel").notNull(),
    address: text("address").notNull(),
    reason: text("reason").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.address] })],
);

/** Addresses declared by channels (`address: {field}`), e.g. a Telegram chat id: one per subscriber and field. */
export const subscriberAddresses = sqliteTable(
  "subscriber_addresses",
  {
    subscriberId: text("subscriber_id").notNull(),
    field: text("field").notNull(),
    address: text("address").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.subscriberId, t.field] }), index("subscriber_addresses_by_address").on(t.field, t.address)],
);

/** Outstanding address links (a deep link's signed start token): one per subscriber and channel, single use. */
export const addressLinks = sqliteTable(
  "address_links",
  {
    nonce: text("nonce").primaryKey(),
    channel: text("channel").notNull(),
    subscriberId: text("subscriber_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [uniqueIndex("address_links_by_subscriber").on(t.subscriberId, t.channel), index("address_links_by_expiry").on(t.expiresAt)],
);

/** Admin UI sessions, by the SHA-256 of the cookie value; `csrf` is the session's synchronizer token. */
export const adminSessions = sqliteTable("admin_sessions", {
  idHash: text("id_hash").primaryKey(),
  csrf: text("csrf").notNull(),
  createdAt: integer("created_at").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

export const adminLoginAttempts = sqliteTable("admin_login_attempts", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStart: integer("window_start").notNull(),
});

export const templateVersions = sqliteTable(
  "template_versions",
  {
    key: text("key").notNull(),
    version: integer("version").notNull(),
    body: text("body", { mode: "json" }).notNull().$type<unknown>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);

export const broadcasts = sqliteTable(
  "broadcasts",
  {
    id: text("id").primaryKey(),
    body: text("body", { mode: "json" }).notNull().$type<unknown>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("broadcasts_by_time").on(t.createdAt)],
);

// Workflow steps (throttles, digests, failover) and delivery-status webhooks: ./schema-workflow.ts.
export * from "./schema-workflow.js";
