import { sha256 } from "@noble/hashes/sha2.js";
import type { Store } from "../../store/index.js";
import type { InboxAppend, InboxRow } from "../../store/repositories/inbox.js";
import type { Clock } from "../clock.js";
import { toHex, utf8 } from "../encoding.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { inboxItem } from "./frames.js";
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
 * The real-time inbox: append, publish, mark, rooms. Every write is stored first and published
 * after, so live frames never announce what a resuming client could not find.
 */
export function createRealtime(deps: { store: Store; hub: RealtimeHub; clock: Clock; logger: Logger }) {
  const { store, hub, clock, logger } = deps;
  const lastTyping = new Map<string, number>();

  async function publishUnread(subscriberIds: Iterable<string>) {
    for (const id of new Set(subscriberIds)) {
      if (hub.connections(id) === 0) continue;
      hub.publish(id, { type: "unread", count: await store.inbox.unreadCount(id) });
    }
  }

  async function appendAndPublish(items: InboxAppend[]): Promise<InboxRow[]> {
    await store.write(store.inbox.appendStatements(items));
    const rows = await store.inbox.find(items);
    for (const row of rows) hub.publish(row.subscriberId, { type: "item", item: inboxItem(row) });
    await publishUnread(rows.map((r) => r.subscriberId));
    return rows;
  }

  /** Keeps notifications' seen/read times in step: escalations check them before they send. */
  async function syncNotification(row: InboxRow) {
    if (row.type !== "notification") return;
    await store.deliveries.markNotification(row.id, row.seenAt, row.readAt);
  }

  async function receipt(row: InboxRow, status: "delivered" | "read") {
    if (row.type !== "message" || !row.topic || !row.senderId || row.senderId === row.subscriberId) return;
    hub.publish(row.senderId, { type: "receipt", topic: row.topic, messageId: row.id, clientMessageId: row.clientMessageId, status, by: row.subscriberId });
  }

  return {
    appendAndPublish,

    async mark(subscriberId: string, id: string, what: "seen" | "read"): Promise<InboxRow | undefined> {
      const before = await store.inbox.get(subscriberId, id);
      if (!before) return undefined;
      const row = (await store.inbox.mark(subscriberId, id, what, clock.now()))!;
      await syncNotification(row);
      if (what === "read" && before.readAt === null) {
        await receipt(row, "read");
        await publishUnread([subscriberId]);
      }
      return row;
    },

    async markAllRead(subscriberId: string): Promise<number> {
      const rows = await store.inbox.markAllRead(subscriberId, clock.now());
      for (const row of rows) {
        await syncNotification(row);
        await receipt(row, "read");
      }
      await publishUnread([subscriberId]);
      return rows.length;
    },

    /** Called when items reached a live connection: delivery indicators and receipts. */
    async delivered(subscriberId: string, seqs: number[]): Promise<void> {
      try {
        const rows = await store.inbox.markDelivered(subscriberId, seqs, clock.now());
        for (const row of rows) {
          if (row.type === "notification") await store.deliveries.markRealtimeDelivered(row.id, clock.now());
          else await receipt(row, "delivered");
        }
      } catch (error) {
        logger.log("warn", "could not record delivery to a connection", { subscriber: subscriberId, error: errorMessage(error) });
      }
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
      await store.write([
        store.topics.insertMessageStatement({
          id,
          topic,
          senderId: input.senderId,
          senderName: input.senderName,
          system: input.senderId === null,
          clientMessageId: input.clientMessageId,
          body: input.body,
          data: input.data ?? null,
          createdAt: now,
        }),
      ]);
      const members = await store.subscribers.members(topic);
      await appendAndPublish(
        members.map((subscriberId) => ({
          subscriberId,
          id,
          type: "message" as const,
          topic,
          body: input.body,
          data: input.data ?? null,
          senderId: input.senderId,
          senderName: input.senderName,
          clientMessageId: input.clientMessageId,
          createdAt: now,
        })),
      );
      return { id, created: true, createdAt: now };
    },

    /** Ephemeral: not stored, at most one a second per member and room. False when rate-limited. */
    async typing(topic: string, subscriber: { id: string; name: string | null }): Promise<boolean> {
      const key = `${topic}\u0000${subscriber.id}`;
      const now = clock.now();
      if (now - (lastTyping.get(key) ?? -Infinity) < TYPING_INTERVAL_MS) return false;
      lastTyping.set(key, now);
      if (lastTyping.size > 10_000) lastTyping.clear();
      for (const member of await store.subscribers.members(topic)) {
        if (member !== subscriber.id) hub.publish(member, { type: "typing", topic, subscriber });
      }
      return true;
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
