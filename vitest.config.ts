import { defineConfig } from "vitest/config";

/** The integration tests that only talk HTTP to a base URL: the same files run against each runtime. */
const PORTABLE = ["api", "events", "realtime", "push", "broadcasts", "admin", "email-api", "ssrf", "erasure", "security", "login-throttle", "cors", "inbox-state", "problem-language", "openapi-reference"].map((name) => `tests/integration/${name}.test.ts`);

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
      { extends: true, test: { name: "node", include: ["src/**/*.test.ts", "tests/**/*.test.ts"], exclude: ["tests/runtime/workers/**", "**/node_modules/**"] } },
      // The portable suite again on workerd (wrangler dev, local D1, Durable Objects) and on Deno. Not the
      // crash test (it reuses a database file across kill -9, a Node/Deno notion) and not start-up refusals
      // (a Worker reads its settings on the first request, so a bad setting is a 500 there, not a failed start).
      {
        extends: true,
        test: { name: "workerd", include: PORTABLE, env: { HERALD_TEST_RUNTIME: "workerd" }, testNamePattern: /^(?!.*refuses to start).*$/ },
      },
      { extends: true, test: { name: "deno", include: PORTABLE, env: { HERALD_TEST_RUNTIME: "deno" } } },
      // Inside workerd: Durable Objects, queues and the budget of every invocation; the broadcast again on the free-plan profile.
      "tests/runtime/workers/vitest.config.ts",
      "tests/runtime/workers/vitest.free.config.ts",
    ],
  },
});
