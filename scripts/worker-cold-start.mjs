// Cold start of the Worker under local workerd: starts `wrangler dev` on a fresh local D1, then
// times the first request (isolate start, module evaluation, D1 migrations, Herald boot), a second
// one (warm), and after a restart on the same database the first request again (no migrations).
// Usage: node scripts/worker-cold-start.mjs   (run it where nobody edits src/: wrangler dev reloads on changes)
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

async function start(persist) {
  const port = await freePort();
  const proc = spawn("npx", ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persist, "--show-interactive-dev-session=false", "--inspector-port", String(await freePort()), "--var", "HERALD_API_KEY:hk_cold_start_0123456789abcdef01234567", "--var", "HERALD_LOG_LEVEL:error"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 90 s:\n${out}`)), 90_000);
    const onData = (d) => { out += d; const m = /Ready on (http:\/\/\S+)/.exec(out); if (m) { clearTimeout(timer); resolve(m[1]); } };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
  });
  return { url, stop: () => new Promise((resolve) => { proc.once("exit", resolve); process.kill(-proc.pid, "SIGTERM"); }) };
}

async function timed(url) {
  const t = performance.now();
  const res = await fetch(`${url}/v1/stats`, { headers: { authorization: "Bearer hk_cold_start_0123456789abcdef01234567" }, signal: AbortSignal.timeout(60_000) });
  await res.text();
  if (!res.ok) throw new Error(`${url}/v1/stats answered ${res.status}`);
  return performance.now() - t;
}

const persist = mkdtempSync(join(tmpdir(), "herald-cold-"));
const figures = {};
let server = await start(persist);
figures.firstRequestFreshDbMs = await timed(server.url);
figures.warmRequestMs = await timed(server.url);
await server.stop();
server = await start(persist);
figures.firstRequestMigratedDbMs = await timed(server.url);
figures.warmRequestAfterRestartMs = await timed(server.url);
await server.stop();
rmSync(persist, { recursive: true, force: true });
console.log(JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v)]))));
