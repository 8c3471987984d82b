/**
 * The real-time hub on Workers. Live connections are held by Durable Objects, one per subscriber
 * inbox (`InboxObject`), so a frame published in any isolate (a request, the jobs alarm, another
 * object) reaches every socket of that subscriber wherever it was opened.
 *
 * Frames published in the same turn are batched: one call per subscriber with all its frames. A
 * flush that touches many subscribers (a room message, a broadcast) goes through relay objects
 * (`FanoutObject`), each calling up to `relayBatch` inbox objects, and no invocation calls more
 * than `relayCalls` relays: for more subscribers than relayBatch × relayCalls, relays hand slices
 * to further relays (a tree), so every invocation's subrequests stay within its budget (budget.ts)
 * and each relay far below an object's ~1,000 requests/s.
 */
import type { StreamFrame } from "../../core/realtime/frames.js";
import type { RealtimeHub } from "../../core/realtime/hub.js";
import type { Logger } from "../../core/logger.js";
import { errorMessage } from "../../core/errors.js";
import { type Env, withTimeout } from "./env.js";
import { profileOf, type WorkersProfile } from "./budget.js";
import { connectedOf } from "./presence.js";

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

/**
 * Relay names in turn from a random start, skipping `self` (a relay handing a slice to itself
 * would wait on its own input gate).
 */
export function relayPicker(env: Env, self?: string): () => string {
  let next = Math.floor(Math.random() * FANOUT_SHARDS);
  return () => {
    for (;;) {
      const name = `fanout-${next++ % FANOUT_SHARDS}`;
      if (self === undefined || env.FANOUT.idFromName(name).toString() !== self) return name;
    }
  };
}

/**
 * Hands each subscriber's frames to its inbox object with a bounded number of calls from this
 * invocation: directly for a few subscribers, otherwise through relays, each given at most
 * `relayBatch` subscribers, or when that would take more than `relayCalls` relays, an equal slice
 * each, which they split again (FanoutObject.relay).
 */
export function fanOut(env: Env, batch: FrameBatch, limits: WorkersProfile["fanout"], pick: () => string, track: (what: string, call: Promise<unknown>) => void): void {
  if (batch.length === 0) return;
  if (batch.length <= limits.direct) {
    for (const [subscriberId, frames] of batch) track(`inbox ${subscriberId}`, inboxStub(env, subscriberId).deliver(frames, { listed: subscriberId }));
    return;
  }
  const slices = Math.min(Math.ceil(batch.length / limits.relayBatch), limits.relayCalls);
  const size = Math.ceil(batch.length / slices);
  for (let i = 0; i < batch.length; i += size) {
    const shard = pick();
    track(shard, env.FANOUT.get(env.FANOUT.idFromName(shard)).relay(batch.slice(i, i + size)));
  }
}

export function createDurableObjectHub(env: Env, logger: Logger): DurableObjectHub {
  let pending = new Map<string, StreamFrame[]>();
  let scheduled = false;
  const inflight = new Set<Promise<unknown>>();
  const pick = relayPicker(env);
  const limits = profileOf(env).fanout;

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
    // Only subscribers with live connections: the others' objects have no one to send to (presence.ts).
    // One D1 read per flush, rather than a call (and an object created) per subscriber offline.
    track(
      "presence lookup",
      connectedOf(
        env,
        batch.map(([id]) => id),
      ).then((online) => fanOut(env, batch.filter(([id]) => online.has(id)), limits, pick, track)),
    );
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
