import type { Store } from "../../store/index.js";
import { createCursorDelivery, type CursorConnection, type CursorSource } from "./cursor-delivery.js";
import { inboxItem, type StreamFrame } from "./frames.js";
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
const delivery = createCursorDelivery((conn) => conn as StreamConnection);

/**
 * One connection, its own cursor and its own source of stored items. A class, so that 10,000 idle
 * connections share their methods instead of holding a set of closures each.
 */
class StreamConnection implements CursorConnection, CursorSource {
  readonly key = this;
  ready = false;
  closed = false;
  unsubscribe: () => void = () => {};
  untrack: () => void = () => {};

  constructor(
    readonly deps: StreamDeps,
    readonly subscriberId: string,
    public lastSeq: number,
    readonly out: StreamOutput,
  ) {}

  cursor() {
    return { lastSeq: this.lastSeq, ready: this.ready };
  }
  advance(lastSeq: number, ready: boolean) {
    this.lastSeq = lastSeq;
    this.ready = ready;
  }
  send(frame: StreamFrame | { type: "ready"; after: number }) {
    return !this.closed && this.out.send(frame);
  }
  close(reason: string) {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.untrack();
    this.out.close(reason);
  }
  async page(after: number, limit: number) {
    return (await this.deps.store.inbox.page(this.subscriberId, after, limit)).map(inboxItem);
  }
  unread() {
    return this.deps.store.inbox.unreadCount(this.subscriberId);
  }
  delivered(seqs: number[]) {
    this.deps.realtime.delivered(this.subscriberId, seqs);
  }
}

/**
 * One live connection of a subscriber: first everything after the client's cursor, in order, then
 * live frames, with nothing lost in between and nothing sent twice (cursor-delivery.ts).
 *
 * `stillAuthorized` is asked once the connection is registered with the hub: an erasure that
 * committed after the request was authenticated but before the registration would otherwise miss
 * it (the erasure closes what the hub holds once it has committed; see core/erasure.ts).
 */
export function openStream(deps: StreamDeps, subscriberId: string, after: number, out: StreamOutput, stillAuthorized?: () => Promise<boolean>): () => void {
  const conn = new StreamConnection(deps, subscriberId, after, out);
  conn.unsubscribe = deps.hub.subscribe(subscriberId, (frame) => delivery.deliver(conn, [frame]), (reason) => conn.close(reason));
  // Held where a shutdown can end it (the client resumes from its cursor).
  conn.untrack = deps.realtime.track(conn);
  if (conn.closed) return () => {};
  if (!stillAuthorized) void delivery.catchUp(conn);
  else {
    void stillAuthorized().then(
      (ok) => (ok ? delivery.catchUp(conn) : conn.close(ERASED_REASON)),
      () => conn.close("could not check the token"),
    );
  }
  return () => conn.close("closed by client");
}

/** Why the connections of an erased subscriber end. */
export const ERASED_REASON = "the subscriber was erased";
