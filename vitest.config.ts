import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { SuiteSequencer } from "./tests/support/sequencer.js";

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
    // One file per core. A file waits ~40% of its time (servers starting, peers, the browser), but two
    // per core made the tests that bound a real wait fail on the 2-core machine (a push thread's 5 s
    // answer, 1,000 sockets fanned out within 60 s, SMS spacing measured at the peer): 4 failures in
    // a run of 1,701 tests. Wall time is better spent cutting CPU than sharing it thinner.
    maxWorkers: Math.min(8, availableParallelism()),
    // A worker runs its files one after another in one module graph instead of a fresh one per file,
    // where each file imported vitest, playwright, hono and the test helpers again: the test workers'
    // CPU went from 258 s to 104 s a run and the suite from 728 s to 620 s on the 2-core machine.
    // So test files leave global state as they found it. The inside-workerd projects (their own
    // configs) stay isolated: their pool keeps storage and bindings per file.
    isolate: false,
    // Long and waiting files first, short ones last (tests/support/sequencer.ts).
    sequence: { sequencer: SuiteSequencer },
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
