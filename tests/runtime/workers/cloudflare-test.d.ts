/** What the workerd tests import from the runtime (declared here: workers-types' globals clash with the DOM lib). */
declare module "cloudflare:workers" {
  export const env: import("../../../src/runtimes/cloudflare/env.js").Env & Record<string, string>;
  export const exports: {
    default: {
      fetch(input: string | Request, init?: RequestInit): Promise<Response>;
      scheduled(options?: { scheduledTime?: Date; cron?: string }): Promise<{ outcome: string; noRetry: boolean }>;
    };
  };
}

declare module "cloudflare:test" {
  type State = import("@cloudflare/workers-types").DurableObjectState;
  type ExecutionContext = import("@cloudflare/workers-types").ExecutionContext;
  type MessageBatch<Body> = import("@cloudflare/workers-types").MessageBatch<Body>;
  export function runInDurableObject<R>(stub: unknown, callback: (instance: Record<string, unknown>, state: State) => R | Promise<R>): Promise<R>;
  export function runDurableObjectAlarm(stub: unknown): Promise<boolean>;
  export function evictDurableObject(stub: unknown, options?: { webSockets?: "close" | "hibernate" }): Promise<void>;
  export function listDurableObjectIds(namespace: unknown): Promise<unknown[]>;
  export function createExecutionContext(): ExecutionContext;
  export function createScheduledController(options?: { scheduledTime?: Date | number; cron?: string }): import("@cloudflare/workers-types").ScheduledController;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
  export function createMessageBatch<Body = unknown>(queueName: string, messages: { id: string; timestamp: Date; attempts: number; body: Body }[]): MessageBatch<Body>;
  export function applyD1Migrations(db: unknown, migrations: { name: string; queries: string[] }[], migrationsTableName?: string): Promise<void>;
  export function getQueueResult(batch: MessageBatch<unknown>, ctx: ExecutionContext): Promise<{ outcome: string; ackAll: boolean; explicitAcks: string[]; retryMessages: { msgId: string }[]; retryBatch: { retry: boolean } }>;
}
