/** Starts Herald on Node: one process, an embedded libSQL file (by default), the outbox drained in-process. */
import { serve } from "@hono/node-server";
import { WebSocketServer } from "ws";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { socketChannels } from "../../channels/socket-channels.js";
import { createHerald } from "../../core/engine.js";
import { HOUSEKEEPING_INTERVAL_MS } from "../../core/housekeeping.js";
import { jsonLogger } from "../../core/logger.js";
import { openLibsqlStore } from "../shared/libsql-store.js";
import { readAssets } from "../shared/assets.js";
import { checkedLookup } from "../shared/guarded-lookup.js";
import { createNodePushTransport } from "./push/transport.js";
import { createNodeFetch, nodeFetchOptions } from "./net/fetch.js";
import { CoalescingWebSocket } from "./websocket/coalescing-websocket.js";
import { nodeWebSockets } from "./websocket/upgrade.js";
import { builtInPlugins } from "../../plugins/index.js";

export interface RunningNode {
  url: string;
  close(): Promise<void>;
}

export async function startNode(env: Record<string, string | undefined> = process.env): Promise<RunningNode> {
  const logger = jsonLogger({ minLevel: (env.HERALD_LOG_LEVEL as "info") ?? "info" });
  const databaseUrl = env.DATABASE_URL || "file:./data/herald.db";
  const database = await openLibsqlStore(databaseUrl, {
    authToken: env.DATABASE_AUTH_TOKEN,
    synchronous: env.HERALD_SQLITE_SYNCHRONOUS,
    checkpointInBackground: true,
    onCheckpointerFailure: (error) => logger.log("error", "WAL checkpoint thread failed; checkpoints are back on the main thread", { error: error.message }),
  });
  const { store, embedded } = database;
  let listeningUrl = "";
  // Frames larger than an inbox page have no business here. What a connection is sent in one turn
  // leaves in one write (an item and its unread count, a backlog page).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, WebSocket: CoalescingWebSocket });
  const sockets = nodeWebSockets(wss);
  const allowPrivateNetwork = env.HERALD_ALLOW_PRIVATE_NETWORK === "1";
  // The SSRF guard checks each connection's DNS answers as it opens (no lookup per call).
  const fetch = createNodeFetch({ allowPrivateNetwork }, nodeFetchOptions(env));
  // Web push encrypted and sent on sender threads over HTTP/2 (HERALD_PUSH_THREADS=0, or HTTP/2 off:
  // encrypted in process and sent through fetch).
  const pushTransport =
    env.HERALD_PUSH_THREADS === "0" || env.HERALD_HTTP2 === "0"
      ? undefined
      : createNodePushTransport({ allowPrivateNetwork, rejectUnauthorized: env.NODE_TLS_REJECT_UNAUTHORIZED !== "0", threads: Number(env.HERALD_PUSH_THREADS) || undefined, logger });
  const herald = await createHerald({
    store,
    // Links in messages use HERALD_PUBLIC_URL when set, else the address this process listens on.
    publicUrl: () => listeningUrl,
    env,
    // SMTP connections open under the SSRF guard's lookup, lent to the channel.
    channels: socketChannels({ guardedLookup: checkedLookup }),
    plugins: builtInPlugins,
    upgradeWebSocket: sockets.upgradeWebSocket,
    assets: readAssets(),
    logger,
    fetch,
    pushTransport,
    outbox: { concurrency: Number(env.HERALD_OUTBOX_CONCURRENCY) || undefined },
  });
  if (embedded) {
    const released = await store.outbox.releaseForeignLeases(herald.instanceId);
    if (released > 0) logger.log("info", "resumed jobs left by a previous process", { jobs: released });
  }
  // HERALD_OUTBOX=off runs an API-only process (another process on the same database drains the outbox).
  if (env.HERALD_OUTBOX !== "off") herald.outbox.start();
  // Expired admin sessions and old login attempts; never keeps the process alive by itself.
  const tidy = setInterval(() => void herald.housekeeping(), HOUSEKEEPING_INTERVAL_MS);
  tidy.unref();

  const server = serve({ fetch: herald.app.fetch, port: Number(env.PORT ?? 8787), hostname: env.HOST ?? "127.0.0.1" });
  sockets.attach(server as Server, herald.app.fetch as Parameters<typeof sockets.attach>[1]);
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
  listeningUrl = url;
  logger.log("info", "herald listening", { url, database: databaseUrl.startsWith("file:") ? databaseUrl : "(remote libsql)" });
  if (herald.secrets.generatedApiKey) {
    // Printed once: only its hash is stored. Set HERALD_API_KEY to choose your own.
    console.log(`\n  Herald API key (shown once, store it now): ${herald.secrets.generatedApiKey}\n`);
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= (async () => {
        clearInterval(tidy);
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        wss.close();
        await herald.outbox.stop();
        await Promise.all([fetch.close(), pushTransport?.close()]);
        await database.close();
      })()),
  };
}
