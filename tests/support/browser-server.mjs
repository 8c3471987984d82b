// The run's shared Chromium (shared-browser.ts): launches a Playwright browser server, writes its
// endpoint and this process's id into the run's folder, and stops when the test run's main process
// is gone (a run killed without its teardown leaves no browser behind).
// Usage: browser-server.mjs <dir> <runner pid> <launch options as JSON>
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [dir, runner, options] = process.argv.slice(2);
try {
  const server = await chromium.launchServer(JSON.parse(options));
  writeFileSync(join(dir, "pid"), String(process.pid));
  writeFileSync(join(dir, "endpoint.tmp"), server.wsEndpoint());
  renameSync(join(dir, "endpoint.tmp"), join(dir, "endpoint"));
  const stop = async () => {
    await server.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  setInterval(() => {
    try {
      process.kill(Number(runner), 0);
    } catch {
      void stop();
    }
  }, 1000);
} catch (error) {
  writeFileSync(join(dir, "failed"), `the shared browser did not start: ${error?.stack ?? error}`);
  process.exit(1);
}
