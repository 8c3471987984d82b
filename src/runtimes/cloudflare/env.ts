import type { D1Database, DurableObjectId, Fetcher, Queue } from "@cloudflare/workers-types";
import type { StreamFrame } from "../../core/realtime/frames.js";
import type { FrameBatch } from "./hub.js";

/** A Durable Object namespace whose stubs expose the object's RPC methods `T` (and `fetch`). */
export interface Namespace<T> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): T & { fetch(input: Request | string, init?: RequestInit): Promise<Response> };
}

/** The Worker's bindings (wrangler.toml) and its string settings (vars, secrets, `.dev.vars`). */
export interface Env {
  DB: D1Database;
  /** One object per subscriber: its live sockets and SSE streams. */
  INBOX: Namespace<{
    deliver(frames: StreamFrame[], options?: { report?: boolean; listed?: string }): Promise<{ sockets: number; delivered: number[] }>;
    claimTyping(topic: string, now: number, intervalMs: number): Promise<boolean>;
    disconnect(reason: string): Promise<number>;
  }>;
  /** Relays that spread a large fan-out over many inbox objects. */
  FANOUT: Namespace<{ relay(batch: FrameBatch): Promise<number> }>;
  /** Alarm shards: each wakes when jobs too far ahead for a queue message come within reach. */
  JOBS: Namespace<{ wake(at: number): Promise<void> }>;
  /** `herald-jobs`: deliveries and plugin jobs, one job a message. */
  JOB_QUEUE: Queue<QueueBody>;
  /** `herald-plans`: events to plan and plan parts, and dispatches to continue. */
  PLAN_QUEUE: Queue<QueueBody>;
  ASSETS?: Fetcher;
  [key: string]: unknown;
}

/**
 * A queue message: `j` names a job of the jobs table (the row holds everything about it; the
 * message only says "run it now"); `d` asks for another round of dispatching due jobs.
 */
export type QueueBody = { j: string } | { d: 1 };

// Every call to another object has a deadline (src/lib/time-limits.ts).
export { withTimeout } from "../../lib/time-limits.js";
