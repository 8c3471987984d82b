import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "tests/**/*.test.ts"],
    // Integration tests start real processes and servers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    // Browser and live-stream assertions poll; on a loaded 2-core CI machine 1 s (the default) is too short.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    maxWorkers: 2,
  },
});
