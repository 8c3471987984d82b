/** Helpers for tests inside workerd: the Worker's API through its default export, WebSockets without a network. */
import { exports } from "cloudflare:workers";
import { WORKERS_TEST_API_KEY } from "./keys.js";

export const BASE = "http://herald.test";

export async function call(method: string, path: string, body?: unknown, key = WORKERS_TEST_API_KEY): Promise<{ status: number; body: any }> {
  const res = await exports.default.fetch(BASE + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls `check` every `everyMs` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface LiveSocket {
  ws: WebSocket;
  frames: any[];
  items(): number[];
  /**
   * Closes the socket and waits (at most 5 s) for the server's close frame, so the object's close
   * handler has run before the test ends; a close left in flight outlives the test and workerd
   * reports it at teardown.
   */
  close(): Promise<void>;
}

/** Accepts the client end of a WebSocket the Worker (or an object) answered 101 with, and records its frames. */
export function live(response: Response): LiveSocket {
  const ws = (response as unknown as { webSocket: WebSocket & { accept(): void } }).webSocket;
  if (response.status !== 101 || !ws) throw new Error(`expected 101 with a WebSocket, got ${response.status}`);
  (ws as WebSocket & { accept(): void }).accept();
  const frames: any[] = [];
  ws.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)));
  });
  let closed = false;
  const closing = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
  ws.addEventListener("close", () => void (closed = true));
  return {
    ws,
    frames,
    items: () => frames.filter((f) => f.type === "notification" || f.type === "message").map((f) => f.seq),
    async close() {
      if (closed) return;
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, "test done");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([closing, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
    },
  };
}

export async function openWs(path: string): Promise<LiveSocket> {
  return live((await exports.default.fetch(BASE + path, { headers: { upgrade: "websocket" } })) as unknown as Response);
}
