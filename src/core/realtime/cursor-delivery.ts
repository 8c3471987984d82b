import { type InboxItem, recordsDelivery, type StreamFrame } from "./frames.js";

/** A live connection whose cursor is kept by whoever holds it (a hibernating WebSocket keeps it in its attachment). */
export interface CursorConnection {
  /** Identity of the underlying connection; wrappers made afresh for the same socket share it. */
  key: object;
  /** The last seq sent, and whether the backlog has been sent (`ready`). */
  cursor(): { lastSeq: number; ready: boolean };
  advance(lastSeq: number, ready: boolean): void;
  /** False when the client is too slow; the connection is then closed and the client resumes. */
  send(frame: StreamFrame | { type: "ready"; after: number }): boolean;
  close(reason: string): void;
}

/** Where the stored stream is read from: the store stays the source of truth for items. */
export interface CursorSource {
  /** Whose stream this is (their own room messages need no delivery receipt). */
  subscriberId: string;
  page(after: number, limit: number): Promise<InboxItem[]>;
  unread(): Promise<number>;
  /** Items reached this connection (delivery indicators, receipts). */
  delivered(seqs: number[]): void;
}

const PAGE = 500;

/**
 * Delivery in seq order for connections that receive live frames from publishers they cannot
 * order (Durable Objects: several isolates publish to one subscriber's object, and two of them may
 * arrive out of order). A live item is sent only when it is the next seq; anything else (a gap, an
 * item that arrives while the backlog is read) makes the connection read the store from its cursor
 * instead. Since items are stored before they are published, the read finds whatever was announced:
 * nothing is lost and nothing is sent twice, without depending on arrival order.
 */
export function createCursorDelivery(source: (conn: CursorConnection) => CursorSource) {
  const reading = new WeakMap<object, { again: boolean }>();

  async function catchUp(conn: CursorConnection): Promise<void> {
    const busy = reading.get(conn.key);
    if (busy) {
      busy.again = true;
      return;
    }
    const state = { again: false };
    reading.set(conn.key, state);
    const from = source(conn);
    try {
      let { lastSeq } = conn.cursor();
      for (;;) {
        state.again = false;
        const items = await from.page(lastSeq, PAGE);
        const before = lastSeq;
        const reached: number[] = [];
        for (const item of items) {
          if (item.seq <= lastSeq) continue;
          if (!conn.send({ type: "item", item })) return conn.close("client too slow");
          lastSeq = item.seq;
          if (recordsDelivery(item, from.subscriberId)) reached.push(item.seq);
        }
        if (lastSeq !== before) conn.advance(lastSeq, conn.cursor().ready);
        if (reached.length > 0) from.delivered(reached);
        if (items.length < PAGE && !state.again) break;
      }
      if (!conn.cursor().ready) {
        conn.advance(lastSeq, true);
        conn.send({ type: "ready", after: lastSeq });
        conn.send({ type: "unread", count: await from.unread() });
      }
    } catch {
      conn.close("could not read the inbox");
      return;
    } finally {
      reading.delete(conn.key);
    }
    // Something arrived while the unread count was read: look again.
    if (state.again) await catchUp(conn);
  }

  /** Live frames for one connection, in the order they arrived here. */
  function deliver(conn: CursorConnection, frames: StreamFrame[]): void {
    const { lastSeq, ready } = conn.cursor();
    const busy = reading.has(conn.key);
    let seq = lastSeq;
    let gap = false;
    const reached: number[] = [];
    const from = source(conn);
    for (const frame of frames) {
      if (frame.type === "item") {
        if (frame.item.seq <= seq) continue;
        if (busy || !ready || gap || frame.item.seq !== seq + 1) {
          gap = true;
          continue;
        }
        if (!conn.send(frame)) return conn.close("client too slow");
        seq = frame.item.seq;
        if (recordsDelivery(frame.item, from.subscriberId)) reached.push(seq);
      } else if (ready && !busy) {
        // Ephemeral frames (unread, typing, receipts) before `ready` are dropped: `ready` is followed by a fresh count.
        if (!conn.send(frame)) return conn.close("client too slow");
      }
    }
    if (seq !== lastSeq) conn.advance(seq, ready);
    if (reached.length > 0) from.delivered(reached);
    if (gap) void catchUp(conn);
  }

  return { catchUp, deliver };
}
