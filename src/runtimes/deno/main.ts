/**
 * `npm run start:deno`: Herald under Deno with the same libSQL file store as Node
 * (`PORT`, `DATABASE_URL`). Deno runs the npm packages from node_modules and the `node:` built-ins.
 */
import { socketChannels } from "../../channels/socket-channels.js";
import { createHerald } from "../../core/engine.js";
import { HOUSEKEEPING_INTERVAL_MS } from "../../core/housekeeping.js";
import { jsonLogger } from "../../core/logger.js";
import { openLibsqlStore } from "../shared/libsql-store.js";
import { readAssets } from "../shared/assets.js";
import { checkedLookup } from "../shared/guarded-lookup.js";
import { builtInPlugins } from "../../plugins/index.js";
import { upgradeWebSocket } from "hono/deno";
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
const { store, embedded, close: closeDatabase } = await openLibsqlStore(env.DATABASE_URL || "file:./data/herald.db", { authToken: env.DATABASE_AUTH_TOKEN, synchronous: env.HERALD_SQLITE_SYNCHRONOUS });
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
});
if (embedded) await store.outbox.releaseForeignLeases(herald.instanceId);
herald.outbox.start();
// Expired admin sessions and old login attempts, hourly; never keeps the process alive by itself.
Deno.unrefTimer(setInterval(() => void herald.housekeeping(), HOUSEKEEPING_INTERVAL_MS) as unknown as number);

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

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await server.shutdown();
    await herald.outbox.stop();
    await closeDatabase();
    Deno.exit(0);
  });
}
