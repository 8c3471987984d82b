import type { Store } from "../../store/index.js";
import { createCursorDelivery, type CursorConnection, type CursorSource } from "./cursor-delivery.js";
import type { StreamFrame } from "./frames.js";
import { inboxItem } from "./frames.js";
import type { RealtimeHub } from "./hub.js";
import type { Realtime } from "./service.js";

export interface StreamOutput {
  /** Writes a frame; false when the client is too slow (its buffer is over the limit). */
  send(frame: StreamFrame | { type: "ready"; after: number }): boolean;
  /** Ends the connection; the client resumes from its cursor. */
  close(reason: string): void;
}

export interface StreamDeps {
  store: Store;
  hub: RealtimeHub;
  realtime: Realtime;
}

/**
 * Connections of this process (Node, Deno) keep their cursor in memory. Publishers do not reach
 * them in commit order: a room post and a notification to one member commit one after the other
 * but may publish the other way round (each publishes when its own write answers). So live items
 * go through the same cursor delivery as the Durable Objects': an item is sent only when it is the
 * next seq, and a gap makes the connection read the store from its cursor instead.
 */
const delivery = createCursorDelivery((conn) => (conn as SessionConnection).source);

interface SessionConnection extends CursorConnection {
  source: CursorSource;
}

/**
 * One live connection of a subscriber: first everything after the client's cursor, in order, then
 * live frames, with nothing lost in between and nothing sent twice (cursor-delivery.ts).
 */
export function openStream(deps: StreamDeps, subscriberId: string, after: number, out: StreamOutput): () => void {
  let lastSeq = after;
  let ready = false;
  let closed = false;

  const conn: SessionConnection = {
    key: {},
    cursor: () => ({ lastSeq, ready }),
    advance(seq, isReady) {
      lastSeq = seq;
      ready = isReady;
    },
    send: (frame) => !closed && out.send(frame),
    close,
    source: {
      subscriberId,
      page: async (from, limit) => (await deps.store.inbox.page(subscriberId, from, limit)).map(inboxItem),
      unread: () => deps.store.inbox.unreadCount(subscriberId),
      delivered: (seqs) => deps.realtime.delivered(subscriberId, seqs),
    },
  };
  const unsubscribe = deps.hub.subscribe(subscriberId, (frame) => delivery.deliver(conn, [frame]));

  function close(reason: string) {
    if (closed) return;
    closed = true;
    unsubscribe();
    out.close(reason);
  }

  void delivery.catchUp(conn);
  return () => close("closed by client");
}
