/**
 * One Herald per isolate, shared by the Worker and the Durable Objects that live in the same
 * script: the store (D1) is migrated on an isolate's first use; the SQL is idempotent, so
 * `wrangler d1 migrations apply` may run too.
 */
import { drizzle } from "drizzle-orm/d1";
import { builtInChannels } from "../channels/index.js";
import { createHerald, type Herald } from "../core/engine.js";
import { jsonLogger } from "../core/logger.js";
import { builtInPlugins } from "../plugins/index.js";
import { createStore, type HeraldDb, type RawStatement } from "../store/index.js";
import { migrate } from "../store/migrate.js";
import * as schema from "../store/schema.js";
import initialMigration from "../store/migrations/0001_init.sql";
import realtimeMigration from "../store/migrations/0002_realtime.sql";
import pushMigration from "../store/migrations/0003_push.sql";
import preferencesMigration from "../store/migrations/0004_preferences.sql";
import { createDurableObjectHub, type DurableObjectHub } from "./cloudflare-hub.js";
import type { Env } from "./cloudflare-env.js";

export const MIGRATIONS = [
  { name: "0001_init.sql", sql: initialMigration },
  { name: "0002_realtime.sql", sql: realtimeMigration },
  { name: "0003_push.sql", sql: pushMigration },
  { name: "0004_preferences.sql", sql: preferencesMigration },
];

export interface WorkerHerald {
  herald: Herald;
  hub: DurableObjectHub;
}

let booting: Promise<WorkerHerald> | undefined;

function stringsOf(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

export function heraldFor(env: Env): Promise<WorkerHerald> {
  booting ??= (async () => {
    if (!env.DB) throw new Error('the D1 binding DB is missing: add [[d1_databases]] binding = "DB" to wrangler.toml');
    if (!env.INBOX || !env.FANOUT) throw new Error("the Durable Object bindings INBOX and FANOUT are missing: see [durable_objects] in wrangler.toml");
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
    const logger = jsonLogger({ minLevel: (vars.HERALD_LOG_LEVEL as "info") ?? "info" });
    const runBatch = async (statements: RawStatement[]) => {
      const results = await env.DB.batch<Record<string, unknown>>(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
      return results.map((r) => r.results ?? []);
    };
    const hub = createDurableObjectHub(env, logger);
    const herald = await createHerald({ store: createStore(db, runBatch), env: vars, channels: builtInChannels, plugins: builtInPlugins, logger, hub });
    return { herald, hub };
  })().catch((error) => {
    booting = undefined;
    throw error;
  });
  return booting;
}
