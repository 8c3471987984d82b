import type { Store } from "../../store/index.js";
import type { StreamFrame } from "./frames.js";
import { inboxItem, recordsDelivery } from "./frames.js";
import type { RealtimeHub } from "./hub.js";
import type { Realtime } from "./service.js";

const PAGE = 500;
/** Live frames held while the backlog is read; a subscriber this busy reconnects instead. */
const MAX_HELD = 10_000;

export interface StreamOutput {
  /** Writes a frame; false when the client is too slow (its buffer is over the limit). */
  send(frame: StreamFrame | { type: "ready"; after: number }): boolean;
  /** Ends the connection; the client resumes from its cursor. */
  close(reason: string): void;
}

/**
 * One live connection of a subscriber: first everything after the client's cursor, in order, then
 * live frames. It listens before it reads the backlog and drops any item whose seq it has already
 * sent, so nothing falls in the gap between the two and nothing is sent twice.
 */
export function openStream(deps: { store: Store; hub: RealtimeHub; realtime: Realtime }, subscriberId: string, after: number, out: StreamOutput): () => void {
  let lastSeq = after;
  let live = false;
  let closed = false;
  const held: StreamFrame[] = [];
  let deliveredSeqs: number[] = [];

  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    unsubscribe();
    out.close(reason);
  };

  const flushDelivered = () => {
    const seqs = deliveredSeqs;
    deliveredSeqs = [];
    if (seqs.length > 0) void deps.realtime.delivered(subscriberId, seqs);
  };

  const emit = (frame: StreamFrame) => {
    if (closed) return;
    if (frame.type === "item") {
      if (frame.item.seq <= lastSeq) return;
      lastSeq = frame.item.seq;
      if (recordsDelivery(frame.item, subscriberId)) {
        if (deliveredSeqs.length === 0) queueMicrotask(flushDelivered);
        deliveredSeqs.push(frame.item.seq);
      }
    }
    if (!out.send(frame)) close("client too slow");
  };

  const unsubscribe = deps.hub.subscribe(subscriberId, (frame) => {
    if (live) emit(frame);
    else if (held.push(frame) > MAX_HELD) close("too much arrived while catching up");
  });

  void (async () => {
    try {
      for (;;) {
        const rows = await deps.store.inbox.page(subscriberId, lastSeq, PAGE);
        for (const row of rows) emit({ type: "item", item: inboxItem(row) });
        if (rows.length < PAGE || closed) break;
      }
      for (const frame of held.splice(0)) emit(frame);
      live = true;
      if (closed) return;
      out.send({ type: "ready", after: lastSeq });
      emit({ type: "unread", count: await deps.store.inbox.unreadCount(subscriberId) });
    } catch {
      close("could not read the inbox");
    }
  })();

  return () => close("closed by client");
}
