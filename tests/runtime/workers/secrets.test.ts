/**
 * Secrets on Workers: a Worker without HERALD_API_KEY or HERALD_ADMIN_PASSWORD says so in its log
 * on every boot, with the command that sets each, and shows a generated API key once; the login
 * page (GET /v1/admin/session, which the admin UI renders) says where a generated password went and
 * how to set one. An operator who missed the one log line is told how to get in.
 */
import { env } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { hashApiKey } from "../../../src/core/auth/api-key.js";
import { bootHerald, d1Store } from "../../../src/runtimes/cloudflare/boot.js";
import type { Env } from "../../../src/runtimes/cloudflare/env.js";

afterEach(() => vi.restoreAllMocks());

/** Boots a Herald over the test's bindings with `settings` changed; what it wrote to the log. */
async function boot(settings: Record<string, string | undefined>) {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  const worker = await bootHerald({ ...(env as unknown as Env), HERALD_LOG_LEVEL: "info", ...settings } as Env);
  vi.restoreAllMocks();
  const warnings = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === "warn");
  return { worker, lines, warnings };
}

it("tells the login page that the admin password was generated, where it went and how to set one", async () => {
  // The pool's bindings set HERALD_ADMIN_PASSWORD (so the suite prints no generated one): boot without it.
  const { worker } = await boot({ HERALD_ADMIN_PASSWORD: undefined });
  const session = await worker.herald.app.fetch(new Request("http://herald.test/v1/admin/session"));
  expect(session.status).toBe(200);
  expect(await session.json()).toEqual({
    authenticated: false,
    password: { from: "generated", shownIn: expect.stringContaining("npx wrangler tail"), setWith: "npx wrangler secret put HERALD_ADMIN_PASSWORD" },
  });
});

it("logs a warning for each unset secret with its wrangler command, and shows a generated API key once", async () => {
  const { worker, lines, warnings } = await boot({ HERALD_API_KEY: undefined, HERALD_ADMIN_PASSWORD: undefined });
  expect(warnings.map((w) => w.msg)).toEqual([
    expect.stringMatching(/^HERALD_API_KEY is not set: .*npx wrangler tail.*`npx wrangler secret put HERALD_API_KEY`$/),
    expect.stringMatching(/^HERALD_ADMIN_PASSWORD is not set: .*`npx wrangler secret put HERALD_ADMIN_PASSWORD`$/),
  ]);
  // The boot that generated the key shows it (this one, or an earlier one in this file's database); it is the stored one.
  const stored = await d1Store(env as never).settings.get("api_key_sha256");
  expect(stored).toBe(worker.herald.secrets.apiKeyHash);
  const shown = lines.map((l) => /Herald API key \(shown once, store it now\): (\S+)/.exec(l)?.[1]).find(Boolean);
  expect(shown).toBeDefined();
  expect(await hashApiKey(shown!)).toBe(stored);
  // A second boot finds it stored: warned again, the key not shown again.
  const again = await boot({ HERALD_API_KEY: undefined, HERALD_ADMIN_PASSWORD: undefined });
  expect(again.warnings.map((w) => w.msg.split(":")[0])).toEqual(["HERALD_API_KEY is not set", "HERALD_ADMIN_PASSWORD is not set"]);
  expect(again.lines.some((l) => l.includes("Herald API key"))).toBe(false);
});

it("says nothing when both are set, and the login page then shows no setup notice", async () => {
  const { worker, warnings } = await boot({ HERALD_ADMIN_PASSWORD: "a password the operator chose" });
  expect(warnings).toEqual([]);
  const res = await worker.herald.app.fetch(new Request("http://herald.test/v1/admin/session"));
  expect(await res.json()).toEqual({ authenticated: false, password: { from: "environment" } });
});
