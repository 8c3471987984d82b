// `npm run dev:worker`: Herald under workerd (wrangler dev) with the local D1 database and the
// Durable Objects, settings from .dev.vars (wrangler's convention), listening on PORT (default 8787).
// wrangler.toml's [build] writes the static assets first. Once the server is up, one request
// migrates the local D1 database, so the first real request does not pay for it.
import { spawn } from "node:child_process";

const port = process.env.PORT ?? "8787";
const host = process.env.HOST ?? "127.0.0.1";
const args = ["wrangler", "dev", "--port", port, "--ip", host, "--show-interactive-dev-session=false", ...process.argv.slice(2)];
const child = spawn("npx", args, { stdio: ["inherit", "pipe", "inherit"] });
let migrated = false;
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const ready = !migrated && /Ready on (http:\/\/\S+)/.exec(chunk.toString());
  if (!ready) return;
  migrated = true;
  fetch(`${ready[1]}/healthz`, { signal: AbortSignal.timeout(30_000) })
    .then((res) => console.log(res.ok ? "local D1 migrated; Herald is ready" : `first request answered ${res.status}`))
    .catch((error) => console.error(`could not reach the local Worker: ${error.message}`));
});
child.on("exit", (code) => process.exit(code ?? 0));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
