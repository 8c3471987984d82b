// `npm run dev:worker`: Herald under workerd (wrangler dev) with the local D1 database and the
// Durable Objects, settings from .dev.vars (wrangler's convention), listening on PORT (default 8787).
// wrangler.toml's [build] writes the static assets first. Once the server is up, one request
// migrates the local D1 database, so the first real request does not pay for it.
//
// The cron: wrangler dev fires no cron trigger, and with wrangler 4.86 `/cdn-cgi/handler/scheduled`
// answers 500 for a Worker with [assets] (miniflare hands the scheduled event to the assets proxy in
// front of the Worker, which has no scheduled handler: cloudflare/workers-sdk#9882, fixed in wrangler
// 4.98, which needs Node 22). `--test-scheduled` serves `/__scheduled` from inside the Worker instead,
// and this script calls it every minute, as wrangler.toml's `* * * * *` trigger does in production.
import { spawn } from "node:child_process";

const port = process.env.PORT ?? "8787";
const host = process.env.HOST ?? "127.0.0.1";
const CRON_MS = 60_000;
const args = ["wrangler", "dev", "--port", port, "--ip", host, "--show-interactive-dev-session=false", "--test-scheduled", ...process.argv.slice(2)];
const child = spawn("npx", args, { stdio: ["inherit", "pipe", "inherit"] });
let migrated = false;
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const ready = !migrated && /Ready on (http:\/\/\S+)/.exec(chunk.toString());
  if (!ready) return;
  migrated = true;
  const base = ready[1];
  fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) })
    .then((res) => console.log(res.ok ? "local D1 migrated; Herald is ready" : `first request answered ${res.status}`))
    .catch((error) => console.error(`could not reach the local Worker: ${error.message}`));
  const cron = () =>
    fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`, { signal: AbortSignal.timeout(30_000) })
      .then((res) => res.ok || console.error(`local cron answered ${res.status}`))
      .catch((error) => console.error(`local cron: ${error.message}`));
  setInterval(cron, CRON_MS).unref();
});
child.on("exit", (code) => process.exit(code ?? 0));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
