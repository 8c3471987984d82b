/**
 * Tests that run inside workerd (@cloudflare/vitest-plugin): the Worker of wrangler.toml with
 * its D1 database and Durable Objects, driven from within the runtime, where a test can evict an
 * object (hibernation) or hold thousands of sockets without a network in between.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { WORKERS_TEST_ADMIN_PASSWORD, WORKERS_TEST_API_KEY } from "./keys.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: { bindings: { HERALD_API_KEY: WORKERS_TEST_API_KEY, HERALD_ADMIN_PASSWORD: WORKERS_TEST_ADMIN_PASSWORD, HERALD_LOG_LEVEL: "error", HERALD_FANOUT_BATCH: "25", FANOUT_TEST_SOCKETS: process.env.HERALD_FANOUT_TEST_SOCKETS ?? "5000" } },
    }),
  ],
  test: {
    name: "inside-workerd",
    root,
    // CommonJS packages with stray ESM files (mjml's juice → web-resource-inliner) go through Vite's transform.
    server: { deps: { inline: [/web-resource-inliner/, /juice/, /mjml/] } },
    include: ["tests/runtime/workers/**/*.test.ts"],
    // The Worker's static assets, built only when this project runs.
    globalSetup: ["tests/runtime/workers/build-assets.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
