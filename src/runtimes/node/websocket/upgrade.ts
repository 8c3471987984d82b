/**
 * WebSocket upgrades on Node, answered by the Hono app but held without it. `@hono/node-server`'s
 * helper keeps each upgraded request's whole Hono context alive for as long as the socket lives
 * (its closures capture it): the request, its headers three times over, the router's match, ~6 KiB
 * per idle connection, measured with heap snapshots. Here the app's route decides (auth, cursor,
 * problem answers) exactly as for any request, and only the route's event handlers stay with the socket.
 */
import type { IncomingMessage, Server } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { defineWebSocketHelper, type UpgradeWebSocket, type WSEvents, WSContext } from "hono/ws";
import type { WebSocket, WebSocketServer } from "ws";

type Fetch = (request: Request, env: { incoming: IncomingMessage }) => Response | Promise<Response>;

export interface NodeWebSockets {
  /** For createHerald: the WebSocket route helper. */
  upgradeWebSocket: UpgradeWebSocket;
  /** Serves upgrade requests of `server` through `fetch` (the Hono app). */
  attach(server: Server, fetch: Fetch): void;
}

export function nodeWebSockets(wss: WebSocketServer): NodeWebSockets {
  // What a route accepted, by request, until the upgrade completes: nothing else is kept.
  const accepted = new WeakMap<IncomingMessage, WSEvents<WebSocket>>();

  const upgradeWebSocket = defineWebSocketHelper<WebSocket>(async (c, events) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || c.req.header("upgrade")?.toLowerCase() !== "websocket") return;
    accepted.set(incoming, events);
    return new Response(null, { status: 200 });
  }) as UpgradeWebSocket;

  async function upgrade(fetch: Fetch, incoming: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = `http://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const response = await fetch(new Request(url, { method: incoming.method, headers }), { incoming });
    const events = accepted.get(incoming);
    accepted.delete(incoming);
    if (!events) return refuse(socket, response);
    wss.handleUpgrade(incoming, socket, head, (ws) => hold(ws, events, url));
  }

  return {
    upgradeWebSocket,
    attach(server, fetch) {
      server.on("upgrade", (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
        socket.on("error", () => socket.destroy());
        upgrade(fetch, incoming, socket, head).catch(() => refuse(socket, new Response(null, { status: 500 })));
      });
    },
  };
}

/** Wires a socket to the route's handlers; the context holds the socket and nothing of the request. */
function hold(ws: WebSocket, events: WSEvents<WebSocket>, url: string) {
  const ctx = new WSContext<WebSocket>({
    raw: ws,
    url,
    protocol: ws.protocol,
    send: (data) => ws.send(data as string),
    close: (code, reason) => ws.close(code, reason),
    get readyState() {
      return ws.readyState as 0 | 1 | 2 | 3;
    },
  });
  ws.on("message", (data, isBinary) => events.onMessage?.(new MessageEvent("message", { data: isBinary ? arrayBuffer(data) : String(data) }), ctx));
  ws.on("close", (code, reason) => events.onClose?.(Object.assign(new Event("close"), { code, reason: String(reason) }) as CloseEvent, ctx));
  ws.on("error", (error) => events.onError?.(Object.assign(new Event("error"), { error }), ctx));
  events.onOpen?.(new Event("open"), ctx);
}

function arrayBuffer(data: Buffer | ArrayBuffer | Buffer[]): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  const bytes = Array.isArray(data) ? Buffer.concat(data) : data;
  return new Uint8Array(bytes).buffer;
}

/** The app's answer to a request it did not upgrade (401, 400, 426 …), written on the raw socket. */
async function refuse(socket: Duplex, response: Response) {
  if (socket.destroyed) return;
  const body = Buffer.from(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  response.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "connection") lines.push(`${name}: ${value}`);
  });
  lines.push(`content-length: ${body.length}`, "connection: close", "", "");
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n")), body]));
}
