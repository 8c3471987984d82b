// Load-generator side of bench/realtime: many live connections to Herald (WebSocket) or to the
// Socket.IO baseline in this one process, opened in bounded batches, and an open-loop HTTP poster.
import { Agent, request } from "node:http";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";

/** What a connection hands to the benchmark: each frame (already parsed) and when it arrived. */
export type OnFrame = (frame: any, at: number) => void;

export interface LiveConnection {
  close(): void;
}

const OPEN_TIMEOUT_MS = 30_000;

/**
 * A Herald WebSocket that resolves once the server said `ready` (backlog sent, live from here), so
 * a frame published afterwards reaches it.
 */
export function openHeraldSocket(baseUrl: string, token: string, onFrame: OnFrame): Promise<LiveConnection> {
  const url = `${baseUrl.replace(/^http/, "ws")}/v1/me/ws?token=${encodeURIComponent(token)}`;
  // No compression: the server declines it anyway, and the offer costs client memory.
  const socket = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("no `ready` frame in 30 s")), OPEN_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.terminate();
      reject(error);
    };
    socket.on("message", (data) => {
      const at = performance.now();
      const frame = JSON.parse(String(data));
      if (frame.type === "ready") {
        clearTimeout(timer);
        resolve({ close: () => socket.terminate() });
      }
      onFrame(frame, at);
    });
    socket.once("error", fail);
    socket.once("unexpected-response", (_req, res) => fail(new Error(`WebSocket upgrade answered HTTP ${res.statusCode}`)));
  });
}

/** A socket.io-client connection (websocket transport only) that the server puts in `room`. */
export function openSocketIo(baseUrl: string, room: string, onFrame: OnFrame): Promise<LiveConnection> {
  // forceNew: one engine connection per client, as separate browsers would have.
  const socket: Socket = io(baseUrl, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { room }, timeout: OPEN_TIMEOUT_MS });
  socket.onAny((_event, payload) => onFrame(payload, performance.now()));
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve({ close: () => socket.disconnect() }));
    socket.once("connect_error", (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

/** Runs `task(0..count-1)` with at most `concurrency` at a time; the first failure stops it. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Opens `count` connections, `batch` handshakes in flight at a time (2 cores: a burst of 10,000 would time out). */
export async function openMany(count: number, batch: number, open: (i: number) => Promise<LiveConnection>): Promise<LiveConnection[]> {
  const connections: LiveConnection[] = new Array(count);
  await inParallel(count, batch, async (i) => {
    connections[i] = await open(i);
  });
  return connections;
}

export function closeAll(connections: LiveConnection[]): void {
  for (const connection of connections) connection?.close();
}

export interface Poster {
  /** POSTs JSON and resolves with the status; a network error resolves as status 0 with its message. */
  post(path: string, body: unknown): Promise<{ status: number; error?: string }>;
  close(): void;
}

/**
 * A keep-alive HTTP client for open-loop sending: a request never waits for an earlier answer,
 * up to `maxSockets` in flight (more queue in the agent, which shows as latency, as it should).
 */
export function poster(baseUrl: string, headers: Record<string, string> = {}, maxSockets = 64): Poster {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);
  return {
    post(path, body) {
      const payload = JSON.stringify(body);
      return new Promise((resolve) => {
        const req = request(
          { agent, hostname, port, path, method: "POST", headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
          (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
          },
        );
        req.on("error", (error) => resolve({ status: 0, error: error.message }));
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/**
 * The same item a Herald client gets (docs/realtime.md), for servers that are not Herald: every
 * contender then carries frames of the same size.
 */
export function itemLike(type: "notification" | "message", body: string, seq: number, room: string) {
  return {
    id: `${type === "message" ? "msg" : "ntf"}_${seq.toString(16).padStart(32, "0")}`,
    seq,
    type,
    topic: type === "message" ? room : null,
    title: type === "message" ? null : "Bench",
    body,
    url: null,
    data: type === "message" ? {} : { key: body },
    sender: type === "message" ? { id: null, name: null, system: true } : null,
    clientMessageId: type === "message" ? "00000000-0000-4000-8000-000000000000" : null,
    createdAt: new Date().toISOString(),
    seenAt: null,
    readAt: null,
  };
}
