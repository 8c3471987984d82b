/**
 * Setup of the inside-workerd-free project: the database migrated as the free-plan profile asks
 * (`npx wrangler d1 migrations apply herald`, recorded in d1_migrations), before any invocation is
 * counted; the Worker then finds them applied instead of running them in its first request.
 */
import { env } from "cloudflare:workers";
import { applyD1Migrations } from "cloudflare:test";

await applyD1Migrations(env.DB, JSON.parse(env.TEST_MIGRATIONS as string));
