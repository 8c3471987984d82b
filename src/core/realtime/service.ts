import { sha256 } from "@noble/hashes/sha2.js";
import type { Store } from "../../store/index.js";
import type { DeliveredRow, InboxAppend, InboxRow, MemberCopies } from "../../store/repositories/inbox.js";
import type { InboxItem } from "./frames.js";
import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Clock } from "../clock.js";
import { toHex, utf8 } from "../../lib/encoding.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { inboxItem, itemFrames } from "./frames.js";
import { intervalGate } from "./interval-gate.js";
import type { RealtimeHub } from "./hub.js";

export interface RoomMessageInput {
  senderId: string | null;
  senderName: string | null;
  body: string;
  clientMessageId: string;
  data?: Record<string, unknown> | null;
}

/** Message ids are derived from (topic, sender, client message id): a repeat finds the first. */
export function messageId(topic: string, senderId: string | null, clientMessageId: string): string {
  return `msg_${toHex(sha256(utf8(JSON.stringify([topic, senderId, clientMessageId])))).slice(0, 32)}`;
}

const TYPING_INTERVAL_MS = 1000;
/**
 * Delivery receipts wait this long to be written together. Each flush is two write transactions;
 * flushed at once, a steady 500 notifications/s cost a thousand commits a second on the event loop
 * (bench/realtime's p99). A "delivered" tick 20 ms later is not something anyone sees.
 */
const DELIVERED_FLUSH_MS = 20;

/** What clients see of an appended item, before its seq (each copy's is spliced in by itemFrames). */
function appendedItem(item: Omit<InboxAppend, "subscriberId">): InboxItem {
  return inboxItem({
    seq: 0,
    id: item.id,
    type: item.type,
    topic: item.topic ?? null,
    title: item.title ?? null,
    body: item.body ?? null,
    url: item.url ?? null,
    data: item.data ?? null,
    senderId: item.senderId ?? null,
    senderName: item.senderName ?? null,
    clientMessageId: item.clientMessageId ?? null,
    createdAt: item.createdAt,
    seenAt: null,
    readAt: null,
  });
}

/**
 * How a read-all is cut: pages of `pageSize` items, each one transaction, and at most `maxPages`
 * of them (past pageSize × maxPages unread, the pages grow instead). A page is one query for its
 * end and one batch of 5 statements whatever its size; 1,000 notifications with their status
 * webhooks commit in ~70 ms on libSQL (10,000 in 0.7 s, tests/integration/read-all.test.ts, on a
 * loaded 2-core machine); an endpoint that also wants notification.seen doubles the rows and the
 * time (10,000 first sights: 0.48 s read only, 0.96 s seen and read, medians of 5). Workers set maxPages from their query budget (cloudflare/budget.ts).
 */
export interface ReadAllPaging {
  pageSize: number;
  maxPages: number;
}

export const DEFAULT_READ_ALL: ReadAllPaging = { pageSize: 1000, maxPages: 50 };

/**
 * Statements to commit with a read-all page, given subqueries of the notifications it marks read
 * (`unread`) and of those of them it also marks seen for the first time (`unseen`), and the read time.
 */
export type ReadAlongside = (notifications: { unread: SQL; unseen: SQL }, at: number) => Promise<BatchItem<"sqlite">[]>;

/** An item marked seen or read, and what the mark did for the first time (seen before read): what status webhooks report. */
export interface Marked {
  row: InboxRow;
  first: ("seen" | "read")[];
}

/**
 * The real-time inbox: append, publish, mark, rooms. Every write is stored first and published
 * after, so live frames never announce what a resuming client could not find.
 */
export function createRealtime(deps: { store: Store; hub: RealtimeHub; clock: Clock; logger: Logger; readAll?: ReadAllPaging }) {
  const { store, hub, clock, logger } = deps;
  const typingGate = intervalGate(10_000);
  // Live connections held by this process (Node, Deno), so a shutdown can end them.
  const live = new Set<{ close(reason: string): void }>();
  let closing: string | undefined;

  /** Unread counts of those of these subscribers who are connected (one query for all). */
  async function connectedUnread(subscriberIds: Iterable<string>): Promise<Map<string, number>> {
    const connected = [...new Set(subscriberIds)].filter((id) => hub.connections(id) > 0);
    const counts = connected.length > 0 ? await store.inbox.unreadCounts(connected) : new Map<string, number>();
    return new Map(connected.map((id) => [id, counts.get(id) ?? 0]));
  }

  function publishCounts(counts: Map<string, number>) {
    for (const [id, count] of counts) hub.publish(id, { type: "unread", count });
  }

  /** Pushes fresh unread counts to those of these subscribers who are connected. */
  async function publishUnread(subscriberIds: Iterable<string>) {
    publishCounts(await connectedUnread(subscriberIds));
  }

  // Connections report what reached them; a fan-out to thousands is recorded in one statement.
  let deliveredPending: { subscriberId: string; seq: number }[] = [];
  let flushing: Promise<void> | undefined;
  async function flushDelivered() {
    const pairs = deliveredPending;
    if (pairs.length === 0) return;
    deliveredPending = [];
    try {
      const rows = await store.inbox.markDeliveredMany(pairs, clock.now());
      const notifications = rows.filter((r) => r.type === "notification").map((r) => r.id);
      if (notifications.length > 0) await store.deliveries.markRealtimeDelivered(notifications, clock.now());
      await receipts(rows, "delivered");
    } catch (error) {
      logger.log("warn", "could not record delivery to a connection", { items: pairs.length, error: errorMessage(error) });
    }
  }

  /**
   * Stores items in their subscribers' streams (together with `alongside`, in one transaction), then
   * pushes each new one, with the seq it got, to live connections. Repeats are not pushed again.
   */
  async function appendAndPublish(items: InboxAppend[], alongside: BatchItem<"sqlite">[] = []): Promise<Map<string, number>> {
    const results = await store.write([...alongside, ...store.inbox.appendStatements(items)]);
    return publishAppended(items, results.slice(alongside.length));
  }

  /**
   * After `store.inbox.appendStatements(items)` committed (with whatever else), pushes each new item
   * with the seq it got; `results` are those statements' rows. Returns the seqs by subscriber and id.
   */
  async function publishAppended(items: InboxAppend[], results: Record<string, unknown>[][]): Promise<Map<string, number>> {
    const seqs = new Map<string, number>();
    for (const rows of results) for (const r of rows) seqs.set(`${r.s}\u0000${r.i}`, Number(r.seq));
    const live = items.filter((i) => seqs.has(`${i.subscriberId}\u0000${i.id}`) && hub.connections(i.subscriberId) > 0);
    if (live.length === 0) return seqs;
    // Counts first, so each connection gets its items and its new count in one turn (one socket write).
    const counts = await connectedUnread(live.map((i) => i.subscriberId));
    const byItem = new Map<string, { item: InboxAppend; subscriberIds: string[]; seqs: number[] }>();
    for (const item of live) {
      let copies = byItem.get(item.id);
      if (!copies) byItem.set(item.id, (copies = { item, subscriberIds: [], seqs: [] }));
      copies.subscriberIds.push(item.subscriberId);
      copies.seqs.push(seqs.get(`${item.subscriberId}\u0000${item.id}`)!);
    }
    for (const copies of byItem.values()) publishCopies(copies.item, copies.subscriberIds, copies.seqs);
    publishCounts(counts);
    return seqs;
  }

  /** Pushes copies of one item to these subscribers, with these seqs: only the seq differs, so it is serialized once. */
  function publishCopies(item: Omit<InboxAppend, "subscriberId">, subscriberIds: string[], seqs: number[]) {
    const frames = itemFrames(appendedItem(item), seqs);
    for (let k = 0; k < subscriberIds.length; k++) hub.publish(subscriberIds[k]!, frames[k]!);
  }

  /** Keeps notifications' seen/read times in step: escalations check them before they send. */
  async function syncNotification(row: InboxRow) {
    if (row.type !== "notification") return;
    await store.deliveries.markNotification(row.id, row.seenAt, row.readAt);
  }

  /**
   * Room messages that reached (or were read by) a member other than their sender: stored first
   * (history shows the same ticks after a reload), then told to the sender's connections.
   */
  async function receipts(rows: DeliveredRow[], status: "delivered" | "read") {
    const others = rows.filter((row) => row.type === "message" && row.topic && row.senderId && row.senderId !== row.subscriberId);
    if (others.length === 0) return;
    await store.write(store.inboxState.receiptStatements(others.map((row) => row.id), status, clock.now()));
    for (const row of others) {
      hub.publish(row.senderId!, { type: "receipt", topic: row.topic!, messageId: row.id, clientMessageId: row.clientMessageId, status, by: row.subscriberId });
    }
  }

  return {
    appendAndPublish,
    publishAppended,

    /**
     * Marks an item seen, or read (which is seeing it too). Undefined when it is not in the stream.
     * `first` names what this changed, seen before read: reading an item never seen is its first
     * sight as well; marking again what was marked already changes nothing.
     */
    async mark(subscriberId: string, id: string, what: "seen" | "read"): Promise<Marked | undefined> {
      const before = await store.inbox.get(subscriberId, id);
      if (!before) return undefined;
      const row = (await store.inbox.mark(subscriberId, id, what, clock.now()))!;
      await syncNotification(row);
      if (what === "read" && before.readAt === null) {
        await receipts([row], "read");
        await publishUnread([subscriberId]);
      }
      const first: Marked["first"] = [];
      if (before.seenAt === null) first.push("seen");
      if (what === "read" && before.readAt === null) first.push("read");
      return { row, first };
    },

    /**
     * Marks every item (or every item of one type) that is in the stream now read; returns how
     * many it marked. Page by page (readAllPages: bounded transactions and a bounded number of
     * statements, however long the backlog): each page's notifications get their read time, their
     * escalations cancelled and whatever `alongside` adds for them (status webhooks) in the commit
     * that marks them, so what is reported is exactly what changed.
     */
    async markAllRead(subscriberId: string, type?: "notification" | "message", alongside?: ReadAlongside): Promise<number> {
      const upto = await store.inboxState.head(subscriberId);
      const unread = await store.inbox.unreadCount(subscriberId);
      const { pageSize, maxPages } = deps.readAll ?? DEFAULT_READ_ALL;
      const size = Math.max(pageSize, Math.ceil(unread / maxPages));
      const now = clock.now();
      let marked = 0;
      let after = 0;
      // Items marked unread again meanwhile may add a page; the loop stays bounded all the same.
      for (let page = 0; page <= maxPages; page++) {
        const end = await store.inboxState.unreadPageEnd(subscriberId, after, upto, size, type);
        if (end === undefined) break;
        const withNotifications = type !== "message";
        const notifications = store.inboxState.unreadNotificationsIn(subscriberId, after, end);
        const unseen = store.inboxState.unreadNotificationsIn(subscriberId, after, end, true);
        const statements = [
          ...(withNotifications ? store.deliveries.notificationsReadStatements(notifications, now) : []),
          ...(withNotifications && alongside ? await alongside({ unread: notifications, unseen }, now) : []),
          store.inboxState.markReadStatement(subscriberId, after, end, now, type),
        ];
        const results = await store.write(statements);
        const rows = await store.inboxState.readRows(results.at(-1) ?? []);
        await receipts(rows, "read");
        marked += rows.length;
        after = end;
      }
      if (marked > 0) await publishUnread([subscriberId]);
      return marked;
    },

    /**
     * Marks an item unread again (its seen time stays; an escalation cancelled by the read stays
     * cancelled). Connections get the new count. Undefined when the item is not in the stream.
     */
    async markUnread(subscriberId: string, id: string): Promise<InboxRow | undefined> {
      const before = await store.inbox.get(subscriberId, id);
      if (!before) return undefined;
      if (before.readAt === null) return before;
      const row = await store.inboxState.markUnread(subscriberId, id);
      await publishUnread([subscriberId]);
      return row;
    },

    /** Archives an item, which also marks it read (an archived item never keeps the badge up): `mark`'s answer with the archive time. */
    async archive(subscriberId: string, id: string): Promise<(Marked & { archivedAt: number }) | undefined> {
      const marked = await this.mark(subscriberId, id, "read");
      if (!marked) return undefined;
      const archivedAt = (await store.inboxState.archive(subscriberId, id, clock.now()))!;
      return { ...marked, archivedAt };
    },

    /**
     * Holds a live connection of this process until it closes (the returned function). After
     * `closeConnections` a new one is closed at once: the server is going away.
     */
    track(connection: { close(reason: string): void }): () => void {
      if (closing) {
        connection.close(closing);
        return () => {};
      }
      live.add(connection);
      return () => void live.delete(connection);
    },

    /**
     * Ends every live connection of this process (shutdown): SSE streams end, WebSockets close
     * with 4000, and clients resume from their cursor elsewhere or after the restart. Receipts
     * of what already reached them are written before it resolves. Returns how many were closed.
     */
    async closeConnections(reason: string): Promise<number> {
      closing = reason;
      const all = [...live];
      live.clear();
      for (const connection of all) connection.close(reason);
      await flushing;
      if (deliveredPending.length > 0) await flushDelivered();
      return all.length;
    },

    /** Called when items reached a live connection: delivery indicators and receipts, batched. */
    delivered(subscriberId: string, seqs: number[]): void {
      if (deliveredPending.length === 0) setTimeout(() => void (flushing = flushDelivered()), DELIVERED_FLUSH_MS);
      for (const seq of seqs) deliveredPending.push({ subscriberId, seq });
    },

    /**
     * Posts a message to a room: stored once, then appended to every member's stream (the sender's
     * too, so their other tabs see it). A repeated client message id returns the first message.
     */
    async post(topic: string, input: RoomMessageInput): Promise<{ id: string; created: boolean; createdAt: number }> {
      const id = messageId(topic, input.senderId, input.clientMessageId);
      const existing = await store.topics.getMessage(id);
      if (existing) return { id, created: false, createdAt: existing.createdAt };
      const now = clock.now();
      const row = { id, topic, senderId: input.senderId, senderName: input.senderName, clientMessageId: input.clientMessageId, body: input.body, data: input.data ?? null, createdAt: now };
      const message = { ...row, type: "message" as const };
      const stored = store.topics.insertMessageStatement({ ...row, system: input.senderId === null });
      // The message and every member's copy commit together: a crash leaves all or nothing. The
      // members' seqs and unread counts come back from the same transaction.
      const results = await store.write([stored, ...store.inbox.appendToMembersStatements(message)]);
      const copies = store.inbox.memberCopies(results.at(-1)!);
      const live: MemberCopies = { subscriberIds: [], seqs: [], unread: [] };
      copies.subscriberIds.forEach((member, k) => {
        if (hub.connections(member) === 0) return;
        live.subscriberIds.push(member);
        live.seqs.push(copies.seqs[k]!);
        live.unread.push(copies.unread[k]!);
      });
      publishCopies(message, live.subscriberIds, live.seqs);
      live.subscriberIds.forEach((member, k) => hub.publish(member, { type: "unread", count: live.unread[k]! }));
      // No row back: a repeat posted at the same time stored it first; answered as any repeat is.
      if (results[0]!.length === 0) return { id, created: false, createdAt: (await store.topics.getMessage(id))?.createdAt ?? now };
      return { id, created: true, createdAt: now };
    },

    /** Ephemeral: not stored, at most one a second per member and room. False when rate-limited. */
    async typing(topic: string, subscriber: { id: string; name: string | null }): Promise<boolean> {
      const key = `${topic}\u0000${subscriber.id}`;
      const now = clock.now();
      // A hub shared by many processes (Workers) keeps the limit where every process sees it.
      const allowed = hub.claimTyping ? await hub.claimTyping(topic, subscriber.id, now, TYPING_INTERVAL_MS) : typingGate(key, now, TYPING_INTERVAL_MS);
      if (!allowed) return false;
      for (const member of await store.subscribers.members(topic)) {
        if (member !== subscriber.id) hub.publish(member, { type: "typing", topic, subscriber });
      }
      return true;
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
