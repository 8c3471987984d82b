/**
 * The broadcast again on the free-plan profile (HERALD_WORKERS_PROFILE=free): 1,000 subscribers,
 * every invocation within 50 D1 queries and 50 subrequests. wrangler.toml's batch sizes stay the
 * paid ones, so this also proves the consumer keeps to its profile's share of a larger batch.
 */
import { workersProject } from "./project.js";

export default workersProject("workers-free", ["tests/runtime/workers/broadcast.test.ts"], {
  HERALD_WORKERS_PROFILE: "free",
  BROADCAST_TEST_SUBSCRIBERS: process.env.HERALD_FREE_BROADCAST_TEST_SUBSCRIBERS ?? "1000",
});
