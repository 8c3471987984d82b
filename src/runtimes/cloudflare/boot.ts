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
import retentionMigration from "../../store/migrations/0007_retention.sql";
import erasureMigration from "../../store/migrations/0008_erasure.sql";
import workersMigration from "../../store/migrations/0010_workers.sql";
import inboxStateMigration from "../../store/migrations/0012_inbox_state.sql";
import deliveryAttemptsMigration from "../../store/migrations/0014_delivery_attempts.sql";
import workflowMigration from "../../store/migrations/0015_workflow.sql";
import subscriberAddressesMigration from "../../store/migrations/0016_subscriber_addresses.sql";
import webhookEndpointsMigration from "../../store/migrations/0017_webhook_endpoints.sql";
import jobLanesMigration from "../../store/migrations/0018_job_lanes.sql";
import webhookMessagesBySubscriberMigration from "../../store/migrations/0019_webhook_messages_by_subscriber.sql";
import deadJobsMigration from "../../store/migrations/0020_dead_jobs.sql";
import deliveryCountsMigration from "../../store/migrations/0021_delivery_counts.sql";
import type { Logger } from "../../core/logger.js";
import type { Context } from "hono";
import type { Store } from "../../store/index.js";
import { createDurableObjectHub, type DurableObjectHub } from "./hub.js";
import { profileOf } from "./budget.js";
import { CONSUMER_LEASE_MS } from "./consumer.js";
import { meteredEnv, meteredFetch } from "./meter.js";
import { reportSecrets, WORKERS_SECRET_HELP } from "./secrets.js";
import type { Env } from "./env.js";

// Every file of src/store/migrations, in order (tests/runtime/migrations.test.ts checks none is missing).
export const MIGRATIONS = [
  { name: "0001_init.sql", sql: initialMigration },
  { name: "0002_realtime.sql", sql: realtimeMigration },
  { name: "0003_push.sql", sql: pushMigration },
  { name: "0004_preferences.sql", sql: preferencesMigration },
  { name: "0005_admin.sql", sql: adminMigration },
  { name: "0006_unread_counts.sql", sql: unreadCountsMigration },
  { name: "0007_retention.sql", sql: retentionMigration },
  { name: "0008_erasure.sql", sql: erasureMigration },
  { name: "0010_workers.sql", sql: workersMigration },
  { name: "0012_inbox_state.sql", sql: inboxStateMigration },
  { name: "0014_delivery_attempts.sql", sql: deliveryAttemptsMigration },
  { name: "0015_workflow.sql", sql: workflowMigration },
  { name: "0016_subscriber_addresses.sql", sql: subscriberAddressesMigration },
  { name: "0017_webhook_endpoints.sql", sql: webhookEndpointsMigration },
  { name: "0018_job_lanes.sql", sql: jobLanesMigration },
  { name: "0019_webhook_messages_by_subscriber.sql", sql: webhookMessagesBySubscriberMigration },
  { name: "0020_dead_jobs.sql", sql: deadJobsMigration },
  { name: "0021_delivery_counts.sql", sql: deliveryCountsMigration },
];

export interface WorkerHerald {
  herald: Herald;
  hub: DurableObjectHub;
  /** Jobs were committed since this was last cleared (the engine woke its outbox): dispatch them. */
  dispatchWanted: boolean;
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
  return (objectStore ??= d1Store(meteredEnv(env)));
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
  // Files `wrangler d1 migrations apply` recorded count as applied: a fresh database's migrations are
  // some 50 statements, past the free plan's 50 queries for one invocation (docs/workers.md).
  const byWrangler = new Set<string>();
  const table = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'd1_migrations'").first<{ name: string }>();
  if (table) for (const row of (await env.DB.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results) byWrangler.add(row.name);
  const pending = MIGRATIONS.filter((m) => !byWrangler.has(m.name));
  try {
    await migrate(target, pending);
  } catch {
    // Concurrent cold starts may race on the same migration; the loser's batch rolls back and finds it applied.
    await migrate(target, pending);
  }
  migrated = true;
}

/**
 * A Herald of its own, over the metered bindings (meter.ts): planning in bounded parts, outgoing
 * calls counted, and its outbox's wake-ups (new jobs committed) noted for the dispatch that
 * follows the invocation. Its outbox loop never runs here: queues deliver the jobs (consumer.ts).
 */
export async function bootHerald(rawEnv: Env): Promise<WorkerHerald> {
  const env = meteredEnv(rawEnv);
  if (!env.INBOX || !env.FANOUT || !env.JOBS) throw new Error("the Durable Object bindings INBOX, FANOUT and JOBS are missing: see [[durable_objects.bindings]] in wrangler.toml");
  if (!env.JOB_QUEUE || !env.PLAN_QUEUE) throw new Error("the queue bindings JOB_QUEUE and PLAN_QUEUE are missing: see [[queues.producers]] in wrangler.toml and `wrangler queues create` in the README");
  const store = d1Store(env);
  await migrateOnce(env);
  const logger = loggerFor(env);
  const hub = createDurableObjectHub(env, logger);
  const profile = profileOf(env);
  // /sdk/* runs the Worker first (wrangler.toml) so cross-origin pages get CORS headers; the files stay assets.
  const fetchAsset = env.ASSETS ? (request: Request) => env.ASSETS!.fetch(request as never) as unknown as Promise<Response> : undefined;
  // The client's address is the one header Cloudflare's edge sets and a client cannot (login throttling).
  const getConnInfo = (c: Context) => ({ remote: { address: c.req.header("cf-connecting-ip") } });
  const herald = await createHerald({
    store,
    env: stringsOf(env),
    channels: builtInChannels,
    plugins: builtInPlugins,
    logger,
    hub,
    getConnInfo,
    fetchAsset,
    fetch: meteredFetch,
    planParts: profile.planParts,
    pluginJobsPerRun: profile.pluginJobsPerBatch,
    readAll: profile.readAll,
    secretHelp: WORKERS_SECRET_HELP,
    // Housekeeping runs on the cron beside the dispatch: two batches per table keep a run under
    // 40 D1 queries (at most 2,000 rows of each table a minute).
    housekeeping: { batchSize: 1000, batchesPerTable: 2 },
    // The queue consumer's lease: jobs the outbox's handlers take on themselves (ordered jobs ahead
    // in their lane, core/outbox/lanes.ts) are held as long as those the consumer claimed.
    outbox: { leaseMs: CONSUMER_LEASE_MS },
  });
  reportSecrets(stringsOf(env), logger, herald.secrets.generatedApiKey);
  const worker: WorkerHerald = { herald, hub, dispatchWanted: false };
  // The engine wakes its outbox whenever it commits jobs (ingest, provider reports); here that
  // means "dispatch after this invocation". The outbox object is the one its callers hold.
  herald.outbox.wake = () => {
    worker.dispatchWanted = true;
  };
  return worker;
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
  const worker = idle.pop() ?? (await bootHerald(env));
  worker.dispatchWanted = false;
  return worker;
}

export function releaseHerald(worker: WorkerHerald): void {
  if (idle.length < MAX_IDLE) idle.push(worker);
}
