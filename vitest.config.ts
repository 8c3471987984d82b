import { defineConfig } from "vitest/config";

/** tests/portable/: integration tests that only talk HTTP to a base URL; the same files run against each runtime. */
const PORTABLE = ["tests/portable/**/*.test.ts"];

export default defineConfig({
  test: {
    // Integration tests start real processes and servers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    // Browser and live-stream assertions poll; on a loaded 2-core CI machine 1 s (the default) is too short.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    maxWorkers: 2,
    projects: [
      // Herald on Node starts from its sources compiled once per run (tests/support/node-build.ts).
      { extends: true, test: { name: "node", include: ["src/**/*.test.ts", "tests/**/*.test.ts"], exclude: ["tests/runtime/workers/**", "**/node_modules/**"], globalSetup: ["tests/support/node-build.ts"] } },
      // The portable suite again on workerd (`wrangler dev`: local D1, Durable Objects) and on Deno. What
      // one runtime cannot do is skipped inside the test, with the reason beside it.
      { extends: true, test: { name: "portable-workerd", include: PORTABLE, env: { HERALD_TEST_RUNTIME: "workerd" } } },
      { extends: true, test: { name: "deno", include: PORTABLE, env: { HERALD_TEST_RUNTIME: "deno" } } },
      // inside-workerd: tests running in workerd itself (Durable Objects, queues, the budget of every invocation);
      // inside-workerd-free: the broadcast and ordered plugin jobs again on the free-plan profile.
      "tests/runtime/workers/vitest.config.ts",
      "tests/runtime/workers/vitest.free.config.ts",
    ],
  },
});
