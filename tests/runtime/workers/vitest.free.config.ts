/**
 * The broadcast (1,000 subscribers) and ordered plugin jobs again on the free-plan profile
 * (HERALD_WORKERS_PROFILE=free): every invocation within 50 D1 queries and 50 subrequests.
 * wrangler.toml's batch sizes stay the paid ones, so this also proves the consumer keeps to its
 * profile's share of a larger batch.
 */
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { workersProject } from "./project.js";

// The free-plan profile's setup step: migrations applied with wrangler's runner, not in a counted invocation.
const migrations = await readD1Migrations(fileURLToPath(new URL("../../../src/store/migrations", import.meta.url)));

export default workersProject(
  "inside-workerd-free",
  ["tests/runtime/workers/broadcast.test.ts", "tests/runtime/workers/ordered-plugins.test.ts"],
  {
    HERALD_WORKERS_PROFILE: "free",
    BROADCAST_TEST_SUBSCRIBERS: process.env.HERALD_FREE_BROADCAST_TEST_SUBSCRIBERS ?? "1000",
    TEST_MIGRATIONS: JSON.stringify(migrations),
  },
  ["tests/runtime/workers/apply-migrations.ts"],
);
