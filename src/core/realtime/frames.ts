import type { InboxRow } from "../../store/repositories/inbox.js";

/** An item of a subscriber's stream as clients see it (docs/realtime.md). */
export interface InboxItem {
  id: string;
  seq: number;
  type: "notification" | "message";
  topic: string | null;
  title: string | null;
  body: string | null;
  url: string | null;
  data: Record<string, unknown>;
  sender: { id: string | null; name: string | null; system?: boolean } | null;
  clientMessageId: string | null;
  createdAt: string;
  seenAt: string | null;
  readAt: string | null;
}

/** What flows to a subscriber's live connections. Only `item` frames are stored and resumable. */
export type StreamFrame =
  | { type: "item"; item: InboxItem }
  | { type: "unread"; count: number }
  | { type: "typing"; topic: string; subscriber: { id: string; name: string | null } }
  | { type: "receipt"; topic: string; messageId: string; clientMessageId: string | null; status: "delivered" | "read"; by: string };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function inboxItem(row: InboxRow): InboxItem {
  const system = row.type === "message" && row.senderId === null;
  return {
    id: row.id,
    seq: row.seq,
    type: row.type,
    topic: row.topic,
    title: row.title,
    body: row.body,
    url: row.url,
    data: row.data ?? {},
    sender: row.type === "message" ? { id: row.senderId, name: row.senderName, ...(system ? { system: true } : {}) } : null,
    clientMessageId: row.clientMessageId,
    createdAt: iso(row.createdAt)!,
    seenAt: iso(row.seenAt),
    readAt: iso(row.readAt),
  };
}

/** The JSON a WebSocket frame carries: `{type: "notification" | "message", ...item}` or the event itself. */
export function wsFrame(frame: StreamFrame): Record<string, unknown> {
  if (frame.type === "item") return { ...frame.item, type: frame.item.type };
  return frame;
}

/** The SSE event name and data of a frame; items carry their seq as the event id. */
export function sseFrame(frame: StreamFrame): { event: string; id?: string; data: string } {
  if (frame.type === "item") return { event: frame.item.type, id: String(frame.item.seq), data: JSON.stringify(frame.item) };
  const { type, ...rest } = frame;
  return { event: type, data: JSON.stringify(rest) };
}
