/** What the workerd tests import from the runtime (declared here: workers-types' globals clash with the DOM lib). */
declare module "cloudflare:workers" {
  export const env: import("../../../src/runtimes/cloudflare/env.js").Env;
  export const exports: { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } };
}

declare module "cloudflare:test" {
  type State = import("@cloudflare/workers-types").DurableObjectState;
  export function runInDurableObject<R>(stub: unknown, callback: (instance: Record<string, unknown>, state: State) => R | Promise<R>): Promise<R>;
  export function evictDurableObject(stub: unknown, options?: { webSockets?: "close" | "hibernate" }): Promise<void>;
  export function listDurableObjectIds(namespace: unknown): Promise<unknown[]>;
  export function createExecutionContext(): import("@cloudflare/workers-types").ExecutionContext;
  export function waitOnExecutionContext(ctx: import("@cloudflare/workers-types").ExecutionContext): Promise<void>;
  export function createScheduledController(options?: { scheduledTime?: number; cron?: string }): import("@cloudflare/workers-types").ScheduledController;
}
