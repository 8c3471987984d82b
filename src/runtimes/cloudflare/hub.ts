/**
 * The real-time hub on Workers. Live connections are held by Durable Objects, one per subscriber
 * inbox (`InboxObject`), so a frame published in any isolate (a request, the jobs alarm, another
 * object) reaches every socket of that subscriber wherever it was opened.
 *
 * Frames published in the same turn are batched: one call per subscriber with all its frames. A
 * flush that touches many subscribers (a room message, a broadcast) goes through relay objects
 * (`FanoutObject`), each taking up to SHARD_BATCH subscribers, so no single isolate or object makes
 * thousands of calls and each relay stays far below an object's ~1,000 requests/s.
 */
import type { StreamFrame } from "../../core/realtime/frames.js";
import type { RealtimeHub } from "../../core/realtime/hub.js";
import type { Logger } from "../../core/logger.js";
import { errorMessage } from "../../core/errors.js";
import { type Env, withTimeout } from "./env.js";

/** A flush reaching at most this many subscribers calls their inbox objects directly (one hop, lowest latency). */
export const DIRECT_LIMIT = 32;
/** Subscribers per relay call: 5,000 members → 20 relay calls of 250 inbox calls each (HERALD_FANOUT_BATCH overrides). */
export const SHARD_BATCH = 250;
/** Relay objects; calls spread over them round robin, so one busy topic cannot pin one relay. */
export const FANOUT_SHARDS = 64;
export const CALL_TIMEOUT_MS = 10_000;

export type FrameBatch = [subscriberId: string, frames: StreamFrame[]][];

export interface DurableObjectHub extends RealtimeHub {
  open(request: Request, subscriberId: string, after: number, transport: "sse" | "ws"): Promise<Response>;
  /** Resolves when every frame published so far has been handed to its object (for `waitUntil`). */
  idle(): Promise<void>;
}

export function inboxStub(env: Env, subscriberId: string) {
  return env.INBOX.get(env.INBOX.idFromName(subscriberId));
}

export function createDurableObjectHub(env: Env, logger: Logger): DurableObjectHub {
  let pending = new Map<string, StreamFrame[]>();
  let scheduled = false;
  const inflight = new Set<Promise<unknown>>();
  let nextShard = Math.floor(Math.random() * FANOUT_SHARDS);
  const shardBatch = Number(env.HERALD_FANOUT_BATCH) > 0 ? Number(env.HERALD_FANOUT_BATCH) : SHARD_BATCH;

  const track = (what: string, call: Promise<unknown>) => {
    const p = withTimeout(call, CALL_TIMEOUT_MS, what).catch((error) => {
      // A lost live frame is not lost data: the client resumes from its cursor.
      logger.log("warn", "live frames not handed to their Durable Object", { what, error: errorMessage(error) });
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  function flush() {
    scheduled = false;
    const batch: FrameBatch = [...pending];
    pending = new Map();
    if (batch.length <= DIRECT_LIMIT) {
      for (const [subscriberId, frames] of batch) track(`inbox ${subscriberId}`, inboxStub(env, subscriberId).deliver(frames));
      return;
    }
    for (let i = 0; i < batch.length; i += shardBatch) {
      const shard = `fanout-${nextShard++ % FANOUT_SHARDS}`;
      track(shard, env.FANOUT.get(env.FANOUT.idFromName(shard)).relay(batch.slice(i, i + shardBatch)));
    }
  }

  return {
    subscribe() {
      throw new Error("on Workers live connections are held by Durable Objects; use open()");
    },
    publish(subscriberId, frame) {
      let frames = pending.get(subscriberId);
      if (!frames) pending.set(subscriberId, (frames = []));
      frames.push(frame);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    },
    // The member's own inbox object counts: one place per subscriber, whichever isolate asks.
    claimTyping: (topic, subscriberId, now, intervalMs) => withTimeout(inboxStub(env, subscriberId).claimTyping(topic, now, intervalMs), CALL_TIMEOUT_MS, `inbox ${subscriberId}`),
    // Sockets live in other objects: unknown here, so always publish (an object with none ignores it).
    connections: () => 1,
    // An erasure: the subscriber's object closes its sockets and streams (core/erasure.ts).
    async disconnect(subscriberId, reason) {
      await withTimeout(inboxStub(env, subscriberId).disconnect(reason), CALL_TIMEOUT_MS, `inbox ${subscriberId}`);
    },
    async open(request, subscriberId, after, transport) {
      const url = new URL("https://inbox.herald/connect");
      url.searchParams.set("after", String(after));
      url.searchParams.set("transport", transport);
      const forwarded = new Request(url, request);
      forwarded.headers.set("x-herald-subscriber", subscriberId);
      return inboxStub(env, subscriberId).fetch(forwarded);
    },
    async idle() {
      while (scheduled || inflight.size > 0) {
        if (scheduled) await Promise.resolve();
        else await Promise.all([...inflight]);
      }
    },
  };
}
