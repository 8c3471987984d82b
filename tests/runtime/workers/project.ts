/**
 * The inside-workerd test projects (@cloudflare/vitest-plugin): the Worker of wrangler.toml with its
 * D1 database, Durable Objects and queues, driven from within workerd, where a test can evict an
 * object (hibernation), hold thousands of sockets without a network in between, and read what every
 * invocation cost (cloudflare/meter.ts).
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { defineProject, type Plugin } from "vitest/config";
import { WORKERS_TEST_ADMIN_PASSWORD, WORKERS_TEST_API_KEY } from "./keys.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * `standardwebhooks` (the webhook peer's reference library, loaded by webhook-peer-setup.ts through
 * Vite here) ships source maps that name sources it does not ship, and Vite prints a warning for
 * each; its files are loaded without them.
 */
const withoutBrokenSourceMaps: Plugin = {
  name: "herald:without-broken-source-maps",
  async load(id) {
    if (!/\/node_modules\/standardwebhooks\/dist\/[^/]+\.js$/.test(id)) return null;
    return (await readFile(id, "utf8")).replace(/\/\/# sourceMappingURL=\S+\s*$/, "");
  },
};

export function workersProject(name: string, include: string[], bindings: Record<string, string> = {}, setupFiles: string[] = []) {
  return defineProject({
    plugins: [
      withoutBrokenSourceMaps,
      cloudflareTest({
        wrangler: { configPath: `${root}wrangler.toml` },
        miniflare: {
          bindings: {
            HERALD_API_KEY: WORKERS_TEST_API_KEY,
            // Set, so the Worker's first boot generates (and prints) no admin password.
            HERALD_ADMIN_PASSWORD: WORKERS_TEST_ADMIN_PASSWORD,
            HERALD_LOG_LEVEL: "error",
            // Relays of 25 inboxes, at most 8 relays an invocation: 1,000 members take a tree of relays.
            HERALD_FANOUT_BATCH: "25",
            HERALD_FANOUT_RELAYS: "8",
            FANOUT_TEST_SOCKETS: process.env.HERALD_FANOUT_TEST_SOCKETS ?? "1000",
            FANOUT_TEST_MEMBERS: process.env.HERALD_FANOUT_TEST_MEMBERS ?? "1000",
            FANOUT_TEST_TRACE: process.env.HERALD_FANOUT_TEST_TRACE ?? "",
            BROADCAST_TEST_TRACE: process.env.HERALD_BROADCAST_TEST_TRACE ?? "",
            BROADCAST_TEST_SUBSCRIBERS: process.env.HERALD_BROADCAST_TEST_SUBSCRIBERS ?? "10000",
            READ_ALL_TEST_SEND: "1",
            // Every invocation's D1 queries and subrequests counted, kept for the tests, and refused past the budget.
            HERALD_BUDGET_RECORD: "1",
            HERALD_BUDGET_STRICT: "1",
            // Jobs more than 3 s ahead wait for a shard alarm (12 h in production), so tests see both paths.
            HERALD_QUEUE_MAX_DELAY_S: "3",
            // The push-service peer listens on 127.0.0.1 (push-peer-setup.ts).
            HERALD_ALLOW_PRIVATE_NETWORK: "1",
            ...bindings,
          },
        },
      }),
    ],
    test: {
      name,
      root,
      // CommonJS packages with stray ESM files (mjml's juice → web-resource-inliner) go through Vite's transform.
      server: { deps: { inline: [/web-resource-inliner/, /juice/, /mjml/] } },
      include,
      // The Worker's static assets are built here, when an inside-workerd project runs, not while every config loads.
      globalSetup: ["tests/runtime/workers/build-assets.ts", "tests/runtime/workers/push-peer-setup.ts", "tests/runtime/workers/webhook-peer-setup.ts"],
      // Herald's own log lines are kept, and printed only for a failing test (herald-log.ts).
      setupFiles: ["tests/runtime/workers/herald-log.ts", ...setupFiles],
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  });
}
