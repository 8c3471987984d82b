/**
 * `npm run start:deno`: Herald under Deno with the same libSQL file store as Node
 * (`PORT`, `DATABASE_URL`). Deno runs the npm packages from node_modules and the `node:` built-ins.
 */
import { socketChannels } from "../../channels/socket-channels.js";
import { createHerald } from "../../core/engine.js";
import { HeraldError } from "../../core/errors.js";
import { HOUSEKEEPING_INTERVAL_MS } from "../../core/housekeeping.js";
import { jsonLogger } from "../../core/logger.js";
import { openLibsqlStore } from "../shared/libsql-store.js";
import { readAssets } from "../shared/assets.js";
import { embeddedDatabasePath, lockDatabaseFile, type DatabaseLock } from "../shared/database-lock.js";
import { checkedLookup } from "../shared/guarded-lookup.js";
import { SHUTDOWN_MARGIN_MS, SHUTDOWN_REASON, shutdownGraceMs, within } from "../shared/shutdown.js";
import { builtInPlugins } from "../../plugins/index.js";
import { getConnInfo, upgradeWebSocket } from "hono/deno";
import { lookup } from "node:dns/promises";

declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(options: { port: number; hostname: string; onListen?: (addr: { hostname: string; port: number }) => void }, handler: (req: Request) => Response | Promise<Response>): { finished: Promise<void>; shutdown(): Promise<void> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  unrefTimer(id: number): void;
  exit(code: number): never;
};

const env = Deno.env.toObject();
const logger = jsonLogger({ minLevel: (env.HERALD_LOG_LEVEL as "info") ?? "info" });
const databaseUrl = env.DATABASE_URL || "file:./data/herald.db";
let graceMs: number;
let lock: DatabaseLock | undefined;
try {
  graceMs = shutdownGraceMs(env);
  // One process per embedded file, as on Node (shared/database-lock.ts).
  const filePath = embeddedDatabasePath(databaseUrl);
  lock = filePath ? lockDatabaseFile(filePath) : undefined;
} catch (error) {
  if (!(error instanceof HeraldError)) throw error;
  logger.log("error", error.message, { code: error.code });
  Deno.exit(1);
}
const { store, embedded, close: closeDatabase } = await openLibsqlStore(databaseUrl, { authToken: env.DATABASE_AUTH_TOKEN, synchronous: env.HERALD_SQLITE_SYNCHRONOUS });
const herald = await createHerald({
  store,
  env,
  channels: socketChannels({ guardedLookup: checkedLookup }),
  plugins: builtInPlugins,
  upgradeWebSocket,
  assets: readAssets(),
  logger,
  // Deno's fetch takes no lookup of its own, so the SSRF guard resolves each host name before the
  // call (getaddrinfo, as fetch itself resolves: /etc/hosts included) and refuses private answers.
  // Weaker than Node's check at connect time (a DNS answer may change in between), far better
  // than checking the name as written.
  resolveHost: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
  outbox: { concurrency: Number(env.HERALD_OUTBOX_CONCURRENCY) || undefined },
  // Deno.serve's remoteAddr names the client (login throttling); X-Forwarded-For only via HERALD_TRUSTED_PROXIES.
  getConnInfo,
});
// The file lock makes this process the database's only user: any other lease is a dead process's.
if (embedded) await store.outbox.releaseForeignLeases(herald.instanceId);
// HERALD_OUTBOX=off: an API-only process on a shared libsql:// database whose outbox another process drains.
if (env.HERALD_OUTBOX !== "off") herald.outbox.start();
// Expired sessions, old login attempts and retention, every minute; never keeps the process alive by itself.
const tidy = setInterval(() => void herald.housekeeping(), HOUSEKEEPING_INTERVAL_MS);
Deno.unrefTimer(tidy as unknown as number);

const server = Deno.serve(
  {
    port: Number(env.PORT ?? 8787),
    hostname: env.HOST ?? "127.0.0.1",
    onListen({ hostname, port }) {
      const url = `http://${hostname}:${port}`;
      if (herald.secrets.generatedApiKey) console.log(`\n  Herald API key (shown once, store it now): ${herald.secrets.generatedApiKey}\n`);
      console.log(JSON.stringify({ msg: "ready", url, runtime: "deno" }));
    },
  },
  herald.app.fetch,
);

/** As on Node (node/server.ts): stop accepting, end live streams, give work in flight the grace, hand back the rest. */
async function shutdown() {
  const started = Date.now();
  Deno.unrefTimer(setTimeout(() => {
    logger.log("error", "shutdown overran its grace; exiting anyway");
    Deno.exit(1);
  }, graceMs + SHUTDOWN_MARGIN_MS) as unknown as number);
  clearInterval(tidy);
  // SSE responses end and WebSockets close (4000) first: Deno's shutdown waits for open responses.
  const streams = await herald.realtime.closeConnections(SHUTDOWN_REASON);
  const outboxStopped = herald.outbox.stop({ graceMs });
  await within(server.shutdown(), graceMs);
  const { handedBack } = await outboxStopped;
  await closeDatabase();
  lock?.release();
  logger.log("info", "herald stopped", { ms: Date.now() - started, streams, handedBack });
  Deno.exit(0);
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    // A second signal ends the process at once.
    if (stopping) Deno.exit(1);
    stopping = true;
    shutdown().catch((error) => {
      logger.log("error", "shutdown failed", { error: String(error) });
      Deno.exit(1);
    });
  });
}
