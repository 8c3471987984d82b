import type { StreamFrame } from "./frames.js";

export type FrameListener = (frame: StreamFrame) => void;

/**
 * Fans frames out to a subscriber's live connections. Node and Deno use the in-process hub below;
 * Workers use Durable Objects. Frames are published only after what they announce is stored, so a
 * connection that misses one (not yet connected, dropped) finds it again by resuming from its seq.
 */
export interface RealtimeHub {
  subscribe(subscriberId: string, listener: FrameListener): () => void;
  publish(subscriberId: string, frame: StreamFrame): void;
  connections(subscriberId: string): number;
}

export function createLocalHub(): RealtimeHub {
  const listeners = new Map<string, Set<FrameListener>>();
  return {
    subscribe(subscriberId, listener) {
      let set = listeners.get(subscriberId);
      if (!set) listeners.set(subscriberId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(subscriberId);
      };
    },
    publish(subscriberId, frame) {
      const set = listeners.get(subscriberId);
      if (!set) return;
      for (const listener of [...set]) listener(frame);
    },
    connections: (subscriberId) => listeners.get(subscriberId)?.size ?? 0,
  };
}
