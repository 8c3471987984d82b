import type { StreamFrame } from "./frames.js";

export type FrameListener = (frame: StreamFrame) => void;

/**
 * Fans frames out to a subscriber's live connections. Node and Deno use the in-process hub below;
 * Workers use Durable Objects. Frames are published only after what they announce is stored, so a
 * connection that misses one (not yet connected, dropped) finds it again by resuming from its seq.
 */
export interface RealtimeHub {
  /** `onDisconnect`: how `disconnect` ends this connection. */
  subscribe(subscriberId: string, listener: FrameListener, onDisconnect?: (reason: string) => void): () => void;
  publish(subscriberId: string, frame: StreamFrame): void;
  /**
   * Closes every live connection of a subscriber, wherever the hub holds them (the subscriber was
   * erased: core/erasure.ts). Resolves once they are closed or the hub has handed the order on.
   */
  disconnect(subscriberId: string, reason: string): Promise<void>;
  /** Live connections here; a hub that cannot know (they live elsewhere) answers 1 so frames are always published. */
  connections(subscriberId: string): number;
  /**
   * Optional: the hub holds connections itself, outside this process (Workers: a Durable Object per
   * subscriber). `GET /v1/me/stream` and `/v1/me/ws` are then answered by it, already authenticated,
   * with the cursor parsed; the hub must keep the protocol's resume guarantees (docs/realtime.md).
   */
  open?(request: Request, subscriberId: string, after: number, transport: "sse" | "ws"): Promise<Response>;
  /**
   * Optional: rate-limits typing indicators (one per `intervalMs` per member and room) where every
   * process sees the same count; true when this one may be sent. Without it, the limit is in memory.
   */
  claimTyping?(topic: string, subscriberId: string, now: number, intervalMs: number): Promise<boolean>;
}

export function createLocalHub(): RealtimeHub {
  const listeners = new Map<string, Set<FrameListener>>();
  const closers = new WeakMap<FrameListener, (reason: string) => void>();
  return {
    subscribe(subscriberId, listener, onDisconnect) {
      let set = listeners.get(subscriberId);
      if (!set) listeners.set(subscriberId, (set = new Set()));
      set.add(listener);
      if (onDisconnect) closers.set(listener, onDisconnect);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(subscriberId);
      };
    },
    async disconnect(subscriberId, reason) {
      for (const listener of [...(listeners.get(subscriberId) ?? [])]) closers.get(listener)?.(reason);
    },
    publish(subscriberId, frame) {
      const set = listeners.get(subscriberId);
      if (!set) return;
      // Most subscribers have one connection: no copy of the set for them (a fan-out makes 20,000 calls).
      if (set.size === 1) for (const listener of set) listener(frame);
      else for (const listener of [...set]) listener(frame);
    },
    connections: (subscriberId) => listeners.get(subscriberId)?.size ?? 0,
  };
}
