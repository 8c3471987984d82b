/**
 * Booting Herald on Workers: the store over D1, migrated on an isolate's first use (the SQL is
 * idempotent, so `wrangler d1 migrations apply` may run too), the Durable Object hub, and a pool
 * of Heralds lent to requests one at a time (see acquireHerald).
 */
import { drizzle } from "drizzle-orm/d1";
import { builtInChannels } from "../../channels/index.js";
import { createHerald, type Herald } from "../../core/engine.js";
import { jsonLogger } from "../../core/logger.js";
import { builtInPlugins } from "../../plugins/index.js";
import { createStore, type HeraldDb, type RawStatement } from "../../store/index.js";
import { migrate } from "../../store/migrate.js";
import * as schema from "../../store/schema.js";
import initialMigration from "../../store/migrations/0001_init.sql";
import realtimeMigration from "../../store/migrations/0002_realtime.sql";
import pushMigration from "../../store/migrations/0003_push.sql";
import preferencesMigration from "../../store/migrations/0004_preferences.sql";
import adminMigration from "../../store/migrations/0005_admin.sql";
import unreadCountsMigration from "../../store/migrations/0006_unread_counts.sql";
import erasureMigration from "../../store/migrations/0008_erasure.sql";
import webhookEndpointsMigration from "../../store/migrations/0017_webhook_endpoints.sql";
import type { Logger } from "../../core/logger.js";
import type { Context } from "hono";
import type { Store } from "../../store/index.js";
import { createDurableObjectHub, type DurableObjectHub } from "./hub.js";
import type { Env } from "./env.js";

// Every file of src/store/migrations, in order (tests/runtime/migrations.test.ts checks none is missing).
export const MIGRATIONS = [
  { name: "0001_init.sql", sql: initialMigration },
  { name: "0002_realtime.sql", sql: realtimeMigration },
  { name: "0003_push.sql", sql: pushMigration },
  { name: "0004_preferences.sql", sql: preferencesMigration },
  { name: "0005_admin.sql", sql: adminMigration },
  { name: "0006_unread_counts.sql", sql: unreadCountsMigration },
  { name: "0008_erasure.sql", sql: erasureMigration },
  { name: "0017_webhook_endpoints.sql", sql: webhookEndpointsMigration },
];

export interface WorkerHerald {
  herald: Herald;
  hub: DurableObjectHub;
}

function stringsOf(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

export function loggerFor(env: Env): Logger {
  return jsonLogger({ minLevel: (stringsOf(env).HERALD_LOG_LEVEL as "info") ?? "info" });
}

/** The store over D1: drizzle builds the SQL, D1's batch runs multi-statement writes atomically. */
export function d1Store(env: Env): Store {
  if (!env.DB) throw new Error('the D1 binding DB is missing: add [[d1_databases]] binding = "DB" to wrangler.toml');
  const db = drizzle(env.DB as never, { schema }) as unknown as HeraldDb;
  const runBatch = async (statements: RawStatement[]) => {
    const results = await env.DB.batch<Record<string, unknown>>(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
    return results.map((r) => r.results ?? []);
  };
  return createStore(db, runBatch);
}

let objectStore: Store | undefined;

/**
 * One store for all the Durable Objects of an isolate (thousands of inbox objects may share one):
 * the repositories hold no in-flight promises, so sharing them crosses no request context.
 */
export function sharedStore(env: Env): Store {
  return (objectStore ??= d1Store(env));
}

let migrated = false;

async function migrateOnce(env: Env): Promise<void> {
  if (migrated) return;
  const target = {
    query: async (sql: string) => (await env.DB.prepare(sql).all<{ name: string }>()).results,
    execScript: async (statements: string[]) => {
      await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
    },
  };
  try {
    await migrate(target, MIGRATIONS);
  } catch {
    // Concurrent cold starts may race on the same migration; the loser's batch rolls back and finds it applied.
    await migrate(target, MIGRATIONS);
  }
  migrated = true;
}

/** A Herald of its own (the jobs object keeps one for its lifetime). */
export async function bootHerald(env: Env): Promise<WorkerHerald> {
  if (!env.INBOX || !env.FANOUT || !env.JOBS) throw new Error("the Durable Object bindings INBOX, FANOUT and JOBS are missing: see [[durable_objects.bindings]] in wrangler.toml");
  const store = d1Store(env);
  await migrateOnce(env);
  const logger = loggerFor(env);
  const hub = createDurableObjectHub(env, logger);
  // The client's address is the one header Cloudflare's edge sets and a client cannot (login throttling).
  const getConnInfo = (c: Context) => ({ remote: { address: c.req.header("cf-connecting-ip") } });
  const herald = await createHerald({ store, env: stringsOf(env), channels: builtInChannels, plugins: builtInPlugins, logger, hub, getConnInfo });
  return { herald, hub };
}

/**
 * Heralds for requests, one request at a time each. Workers cancel a request that awaits a promise
 * another request created (its continuation would run in a finished request's context), and a
 * Herald shares promises between its callers on purpose: the group commit of accepted events, the
 * outbox's acknowledgements, the rule and template caches. Lending each request a Herald of its
 * own (reused once the request and its `waitUntil` work are over) keeps all of that inside one
 * request. An isolate boots as many as it serves requests at once, each once.
 */
const idle: WorkerHerald[] = [];
const MAX_IDLE = 32;

export async function acquireHerald(env: Env): Promise<WorkerHerald> {
  return idle.pop() ?? bootHerald(env);
}

export function releaseHerald(worker: WorkerHerald): void {
  if (idle.length < MAX_IDLE) idle.push(worker);
}
