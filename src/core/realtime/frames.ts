import type { InboxRow } from "../../store/repositories/inbox.js";
import type { InboxItem } from "../schemas/inbox.js";

export type { InboxItem };

/** What flows to a subscriber's live connections. Only `item` frames are stored and resumable. */
export type StreamFrame =
  | { type: "item"; item: InboxItem }
  | { type: "unread"; count: number }
  | { type: "typing"; topic: string; subscriber: { id: string; name: string | null } }
  | { type: "receipt"; topic: string; messageId: string; clientMessageId: string | null; status: "delivered" | "read"; by: string };

/**
 * Whether reaching a connection is worth recording for this item: a notification's delivery status,
 * or the sender's indicator on someone else's room message. A system message, or one's own, has no
 * one to tell (a system fan-out to 10,000 would otherwise write 10,000 receipts for nothing).
 */
export function recordsDelivery(item: InboxItem, subscriberId?: string): boolean {
  if (item.type === "notification") return true;
  const sender = item.sender?.id ?? null;
  return sender !== null && sender !== subscriberId;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A notification's buttons travel in its stored `data` under this key (the inbox keeps one JSON
 * column for what the item carries) and come out as the item's `actions`; the event's own data
 * keeps every other key.
 */
const ACTIONS_KEY = "_actions";
type Action = InboxItem["actions"][number];

/** The data to store for an in-app notification with these rendered buttons. */
export function withActions(data: Record<string, unknown> | null | undefined, actions: Action[] | undefined): Record<string, unknown> | null {
  if (!actions?.length) return data ?? null;
  return { ...(data ?? {}), [ACTIONS_KEY]: actions };
}

/** An item as clients see it, from its row (or from what an append is about to store). */
export function inboxItem(row: Omit<InboxRow, "subscriberId" | "deliveredAt">): InboxItem {
  const system = row.type === "message" && row.senderId === null;
  return {
    id: row.id,
    seq: row.seq,
    type: row.type,
    topic: row.topic,
    title: row.title,
    body: row.body,
    url: row.url,
    ...dataAndActions(row.data),
    sender: row.type === "message" ? { id: row.senderId, name: row.senderName, ...(system ? { system: true } : {}) } : null,
    clientMessageId: row.clientMessageId,
    createdAt: iso(row.createdAt)!,
    seenAt: iso(row.seenAt),
    readAt: iso(row.readAt),
  };
}

function dataAndActions(stored: Record<string, unknown> | null): { data: Record<string, unknown>; actions: Action[] } {
  if (!stored || !(ACTIONS_KEY in stored)) return { data: stored ?? {}, actions: [] };
  const { [ACTIONS_KEY]: actions, ...data } = stored;
  return { data, actions: Array.isArray(actions) ? (actions as Action[]) : [] };
}

/** The JSON a WebSocket frame carries: `{type: "notification" | "message", ...item}` or the event itself. */
export function wsFrame(frame: StreamFrame): Record<string, unknown> {
  if (frame.type === "item") return { ...frame.item, type: frame.item.type };
  return frame;
}

// WebSocket text built in advance (itemFrames); kept beside the frame, so it never travels with it.
const prebuiltText = new WeakMap<object, string>();

/** The text of a WebSocket frame. */
export function wsText(frame: StreamFrame | { type: "ready"; after: number }): string {
  // Every connection of a fan-out gets an unread count too: its text is not worth JSON.stringify.
  if (frame.type === "unread") return `{"type":"unread","count":${frame.count}}`;
  return prebuiltText.get(frame) ?? JSON.stringify(wsFrame(frame as StreamFrame));
}

/**
 * Item frames for one item appended to many streams (a room message): only the seq differs, so
 * the WebSocket text is serialized once and each frame's seq spliced in (a fan-out to 10,000 used
 * to serialize 10,000 times).
 */
export function itemFrames(item: InboxItem, seqs: number[]): StreamFrame[] {
  const text = JSON.stringify(wsFrame({ type: "item", item: { ...item, seq: 0 } }));
  // `seq` is the second key of the item (after the id, whose JSON cannot contain this unescaped).
  const at = text.indexOf('"seq":0');
  const head = text.slice(0, at + 6);
  const tail = text.slice(at + 7);
  return seqs.map((seq) => {
    const frame: StreamFrame = { type: "item", item: { ...item, seq } };
    prebuiltText.set(frame, head + seq + tail);
    return frame;
  });
}

/** The SSE event name and data of a frame; items carry their seq as the event id. */
export function sseFrame(frame: StreamFrame): { event: string; id?: string; data: string } {
  if (frame.type === "item") return { event: frame.item.type, id: String(frame.item.seq), data: JSON.stringify(frame.item) };
  const { type, ...rest } = frame;
  return { event: type, data: JSON.stringify(rest) };
}
