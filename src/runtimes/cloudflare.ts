/**
 * Herald on Cloudflare Workers: the same Hono app over D1. The store is migrated on an isolate's
 * first request (the SQL is idempotent, so `wrangler d1 migrations apply` may run too). Outbox jobs
 * are drained after each accepted event (`waitUntil`) and by the cron trigger, which also picks up
 * delayed steps and retries.
 */
import type { D1Database, ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import { builtInChannels } from "../channels/index.js";
import { createHerald, type Herald } from "../core/engine.js";
import { jsonLogger } from "../core/logger.js";
import { createStore, type HeraldDb, type RawStatement } from "../store/index.js";
import { migrate } from "../store/migrate.js";
import * as schema from "../store/schema.js";
import initialMigration from "../store/migrations/0001_init.sql";
import realtimeMigration from "../store/migrations/0002_realtime.sql";
import pushMigration from "../store/migrations/0003_push.sql";
import { builtInPlugins } from "../plugins/index.js";

export interface Env {
  DB: D1Database;
  [key: string]: unknown;
}

const MIGRATIONS = [
  { name: "0001_init.sql", sql: initialMigration },
  { name: "0002_realtime.sql", sql: realtimeMigration },
  { name: "0003_push.sql", sql: pushMigration },
];

let booting: Promise<Herald> | undefined;

function stringsOf(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

function heraldFor(env: Env): Promise<Herald> {
  booting ??= (async () => {
    if (!env.DB) throw new Error("the D1 binding DB is missing: add [[d1_databases]] binding = \"DB\" to wrangler.toml");
    await migrate(
      {
        query: async (sql) => (await env.DB.prepare(sql).all<{ name: string }>()).results,
        execScript: async (statements) => {
          await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
        },
      },
      MIGRATIONS,
    );
    const db = drizzle(env.DB as never, { schema }) as unknown as HeraldDb;
    const vars = stringsOf(env);
    const runBatch = async (statements: RawStatement[]) => {
      const results = await env.DB.batch<Record<string, unknown>>(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
      return results.map((r) => r.results ?? []);
    };
    return createHerald({ store: createStore(db, runBatch), env: vars, channels: builtInChannels, plugins: builtInPlugins, logger: jsonLogger({ minLevel: (vars.HERALD_LOG_LEVEL as "info") ?? "info" }) });
  })().catch((error) => {
    booting = undefined;
    throw error;
  });
  return booting;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const herald = await heraldFor(env);
    const response = await herald.app.fetch(request, env, ctx as never);
    if (response.status === 202) ctx.waitUntil(herald.outbox.drain());
    return response;
  },
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const herald = await heraldFor(env);
    ctx.waitUntil(herald.outbox.drain());
  },
};
