import type { D1Database, DurableObjectId, Fetcher } from "@cloudflare/workers-types";
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
  INBOX: Namespace<{ deliver(frames: StreamFrame[], options?: { report?: boolean }): Promise<{ sockets: number; delivered: number[] }>; claimTyping(topic: string, now: number, intervalMs: number): Promise<boolean>; disconnect(reason: string): Promise<number> }>;
  /** Relays that spread a large fan-out over many inbox objects. */
  FANOUT: Namespace<{ relay(batch: FrameBatch): Promise<number> }>;
  /** One object whose alarm wakes at the next due outbox job. */
  JOBS: Namespace<{ wake(at: number): Promise<void> }>;
  ASSETS?: Fetcher;
  [key: string]: unknown;
}

/** Rejects when `promise` takes longer than `ms`: every call to another object has a deadline. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
