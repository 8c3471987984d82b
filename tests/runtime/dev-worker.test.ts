/**
 * `npm run dev:worker` (scripts/dev-worker.mjs) runs the Worker's cron locally: wrangler 4.86's
 * `/cdn-cgi/handler/scheduled` answers 500 for a Worker with [assets] (cloudflare/workers-sdk#9882),
 * so the script starts wrangler with `--test-scheduled` and `/__scheduled` runs the Worker's own
 * scheduled handler, which the Worker's budget log shows as a cron invocation.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort, TEST_API_KEY } from "../support/server.js";

let proc: ChildProcess;
let base: string;
let output = "";

beforeAll(async () => {
  const port = String(await freePort());
  const persist = mkdtempSync(join(tmpdir(), "herald-dev-worker-"));
  const vars = { HERALD_API_KEY: TEST_API_KEY, HERALD_BUDGET_LOG: "1", HERALD_LOG_LEVEL: "error" };
  const args = ["--persist-to", persist, "--inspector-port", String(await freePort()), ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])];
  proc = spawn(process.execPath, ["scripts/dev-worker.mjs", ...args], { env: { ...process.env, PORT: port }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  proc.stdout!.on("data", (chunk) => (output += chunk));
  proc.stderr!.on("data", (chunk) => (output += chunk));
  base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  while (!/local D1 migrated; Herald is ready|could not reach|first request answered/.test(output)) {
    if (Date.now() - started > 90_000 || proc.exitCode !== null) throw new Error(`dev:worker did not start:\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

afterAll(async () => {
  if (!proc?.pid) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  process.kill(-proc.pid, "SIGTERM");
  await exited;
});

it("runs the Worker's scheduled handler through /__scheduled", async () => {
  // wrangler may rebuild once just after start (its watcher); ask until the Worker answers.
  await expect
    .poll(async () => {
      const res = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
      return res ? `${res.status} ${await res.text()}` : "no answer";
    }, { timeout: 30_000, interval: 500 })
    .toBe("200 Ran scheduled event");
  await expect.poll(() => output, { timeout: 10_000 }).toMatch(/"msg":"invocation","kind":"cron"/);
}, 60_000);
