/** Starts Herald on Node: one process, an embedded libSQL file (by default), the outbox drained in-process. */
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { WebSocketServer } from "ws";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { socketChannels } from "../../channels/socket-channels.js";
import { createHerald } from "../../core/engine.js";
import { HOUSEKEEPING_INTERVAL_MS } from "../../core/housekeeping.js";
import { jsonLogger } from "../../core/logger.js";
import { openLibsqlStore } from "../shared/libsql-store.js";
import { readAssets } from "../shared/assets.js";
import { embeddedDatabasePath, lockDatabaseFile } from "../shared/database-lock.js";
import { checkedLookup } from "../shared/guarded-lookup.js";
import { sleep } from "../../lib/time-limits.js";
import { SHUTDOWN_REASON, shutdownGraceMs, within } from "../shared/shutdown.js";
import { createNodePushTransport } from "./push/transport.js";
import { createNodeFetch, nodeFetchOptions } from "./net/fetch.js";
import { CoalescingWebSocket } from "./websocket/coalescing-websocket.js";
import { nodeWebSockets } from "./websocket/upgrade.js";
import { builtInPlugins } from "../../plugins/index.js";
import { answerClientErrors } from "./client-error.js";

/** How long an idle keep-alive connection stays open. */
const KEEP_ALIVE_MS = 65_000;

export interface RunningNode {
  url: string;
  /** How long `close` waits for requests and deliveries in flight (HERALD_SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /**
   * Stops cleanly: accepts nothing more, ends live streams (clients resume from their cursor),
   * gives requests and deliveries in flight the grace, hands unfinished jobs back, closes the
   * database and lets the next process take the database file.
   */
  close(): Promise<void>;
}

export async function startNode(env: Record<string, string | undefined> = process.env): Promise<RunningNode> {
  const logger = jsonLogger({ minLevel: (env.HERALD_LOG_LEVEL as "info") ?? "info" });
  const databaseUrl = env.DATABASE_URL || "file:./data/herald.db";
  const graceMs = shutdownGraceMs(env);
  // One process per embedded file: a second start is refused here, before it touches anything.
  const filePath = embeddedDatabasePath(databaseUrl);
  const lock = filePath ? lockDatabaseFile(filePath) : undefined;
  const database = await openLibsqlStore(databaseUrl, {
    authToken: env.DATABASE_AUTH_TOKEN,
    synchronous: env.HERALD_SQLITE_SYNCHRONOUS,
    checkpointInBackground: true,
    onCheckpointerFailure: (error) => logger.log("error", "WAL checkpoint thread failed; checkpoints are back on the main thread", { error: error.message }),
  }).catch((error) => {
    lock?.release();
    throw error;
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
    // The socket's address names the client (login throttling); X-Forwarded-For only via HERALD_TRUSTED_PROXIES.
    getConnInfo,
  });
  if (embedded) {
    // The file lock makes this process the database's only user: any other lease is a dead process's.
    const released = await store.outbox.releaseForeignLeases(herald.instanceId);
    if (released > 0) logger.log("info", "resumed jobs left by a previous process", { jobs: released });
  }
  // HERALD_OUTBOX=off: an API-only process on a shared libsql:// database whose outbox another process drains.
  if (env.HERALD_OUTBOX !== "off") herald.outbox.start();
  // Expired sessions, old login attempts and retention, every minute; never keeps the process alive by itself.
  const tidy = setInterval(() => void herald.housekeeping(), HOUSEKEEPING_INTERVAL_MS);
  tidy.unref();

  const server = serve({ fetch: herald.app.fetch, port: Number(env.PORT ?? 8787), hostname: env.HOST ?? "127.0.0.1" });
  sockets.attach(server as Server, herald.app.fetch as Parameters<typeof sockets.attach>[1]);
  answerClientErrors(server as Server);
  // Idle keep-alive connections stay 65 s, not Node's 5 s: a client or proxy that sends on a
  // connection just as the server closes it gets "socket closed" for a POST it cannot safely retry.
  // 65 s outlasts the 60 s idle timeout of common load balancers; headers must still come sooner.
  (server as Server).keepAliveTimeout = KEEP_ALIVE_MS;
  (server as Server).headersTimeout = KEEP_ALIVE_MS + 1000;
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
  listeningUrl = url;
  logger.log("info", "herald listening", { url, database: databaseUrl.startsWith("file:") ? databaseUrl : "(remote libsql)" });
  if (herald.secrets.generatedApiKey) {
    // Printed once: only its hash is stored. Set HERALD_API_KEY to choose your own.
    console.log(`\n  Herald API key (shown once, store it now): ${herald.secrets.generatedApiKey}\n`);
  }

  async function shutdown() {
    const started = Date.now();
    clearInterval(tidy);
    // No new connections; idle keep-alive ones close now, busy ones as their request ends.
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    const sweep = setInterval(() => (server as Server).closeIdleConnections(), 50);
    // Live streams end (SSE: the response ends; WebSocket: close 4000); clients resume from their cursor.
    const streams = await herald.realtime.closeConnections(SHUTDOWN_REASON);
    // A WebSocket client that does not answer the close handshake within a second is cut.
    const sockets = (async () => {
      const deadline = Date.now() + Math.min(1000, graceMs);
      while (wss.clients.size > 0 && Date.now() < deadline) await sleep(20);
      for (const client of wss.clients) client.terminate();
    })();
    // No new claims; sends in flight get the grace, then their jobs are handed back.
    const outboxStopped = herald.outbox.stop({ graceMs });
    // Requests in flight (an event waiting for its group commit) get the grace too.
    await within(serverClosed, graceMs);
    clearInterval(sweep);
    (server as Server).closeAllConnections();
    await sockets;
    wss.close();
    const { handedBack } = await outboxStopped;
    await Promise.all([fetch.close(), pushTransport?.close()]);
    await database.close();
    lock?.release();
    logger.log("info", "herald stopped", { ms: Date.now() - started, streams, handedBack });
  }

  let closing: Promise<void> | undefined;
  return { url, graceMs, close: () => (closing ??= shutdown()) };
}
