/**
 * HTTP/2 for outbound HTTPS calls on Node: one connection per origin, every request a stream on it.
 * Push services (FCM, Mozilla autopush, Apple) speak HTTP/2, and a broadcast is thousands of small
 * POSTs to one origin: a stream costs far less CPU than an HTTP/1.1 request on a pooled socket.
 * An origin that does not negotiate h2 (ALPN) is remembered and served by HTTP/1.1 instead.
 *
 * The connections live on a worker thread (http2-thread.ts): Node's HTTP/2 client costs ~80-100 µs
 * of CPU per stream (nghttp2, TLS, stream objects), which a broadcast paid on the event loop that
 * also runs the engine; here the event loop only posts the request and builds the Response (a few
 * µs, batched; bench/push main thread ~460-560 → ~295 µs per message, about the same CPU in all
 * threads). `onThread: false` (HERALD_HTTP2_THREAD=0) keeps the connections on the calling thread,
 * and so does a thread that failed to start or died.
 *
 * Each connection's DNS lookup goes through the SSRF guard (shared/guarded-lookup.ts), on whichever thread
 * holds it; connections are pooled per origin and per connect policy.
 */
import type { Worker } from "node:worker_threads";
import { blockedAddress } from "../../../core/net/outbound.js";
import { startThread } from "../threads/start-thread.js";
import type { ConnectPolicy } from "../../shared/guarded-lookup.js";
import { createHttp2Client, type Exchange, type Http2Client, type Outcome } from "./http2-client.js";
import type { ThreadRequest } from "./http2-thread.js";
import { toFetchResponse } from "./response.js";
import { threadMailbox } from "./thread-mailbox.js";

/** Headers HTTP/2 forbids (connection-specific); `host` becomes `:authority`. */
const FORBIDDEN = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);

export interface Http2Options {
  /** Connections on their own thread (default true; HERALD_HTTP2_THREAD=0 turns it off). */
  onThread?: boolean;
  /** Verify servers' certificates (default true; false where NODE_TLS_REJECT_UNAUTHORIZED=0). */
  rejectUnauthorized?: boolean;
}

/** One request as fetch.ts hands it over. */
export interface Http2Init {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal | null;
}

export interface Http2Requester {
  /**
   * Sends one request on a connection opened under `connect`. Resolves undefined when the origin
   * turned out not to speak HTTP/2 (the caller then uses HTTP/1.1); rejects on network errors,
   * aborts and oversized answers, and with `outboundError("blocked_address")` when the guard
   * refused the address.
   */
  request(url: URL, init: Http2Init, maxResponseBytes: number, connect: ConnectPolicy): Promise<Response | undefined>;
  /** The origin answered ALPN without h2: HTTP/1.1 from now on. */
  prefersHttp1(origin: string): boolean;
  /** Whether connections live on their own thread (for tests and benches). */
  onOwnThread(): boolean;
  /** Fails what is in flight, closes the connections and stops the thread. */
  close(): Promise<void>;
}

interface Waiting {
  origin: string;
  /** Sent to the connection thread (else to the in-thread client). */
  onThread: boolean;
  resolve(response: Response | undefined): void;
  reject(error: Error): void;
  signal?: AbortSignal | null;
  onAbort?: () => void;
}

/**
 * @example
 * const h2 = createHttp2Requester({ onThread: env.HERALD_HTTP2_THREAD !== "0" });
 * const response = await h2.request(new URL("https://fcm.googleapis.com/fcm/send/x"), { method: "POST", headers, body }, 65536, { allowPrivateNetwork: false });
 */
export function createHttp2Requester(options: Http2Options = {}): Http2Requester {
  const rejectUnauthorized = options.rejectUnauthorized ?? true;
  const http1Only = new Set<string>();
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let worker: Worker | undefined;
  let threadFailed = options.onThread === false;
  let local: Http2Client | undefined;
  let closed = false;
  // Requests cross to the thread in batches; answers come back one message per turn of the thread.
  const mailbox = threadMailbox<ThreadRequest>((batch) => worker?.postMessage(batch));

  function forget(id: number): Waiting | undefined {
    const w = waiting.get(id);
    if (!w) return undefined;
    waiting.delete(id);
    // An idle connection thread never keeps the process alive (nor did the sessions it holds).
    if (waiting.size === 0) worker?.unref();
    return w;
  }

  function settle(outcome: Outcome): void {
    const w = forget(outcome.id);
    if (!w) return;
    if (w.onAbort) w.signal!.removeEventListener("abort", w.onAbort);
    if ("http1" in outcome) {
      http1Only.add(w.origin);
      return w.resolve(undefined);
    }
    if ("error" in outcome) return w.reject(outcome.blocked ? blockedAddress(outcome.blocked.host, outcome.blocked.address) : new Error(outcome.error));
    const chunks = outcome.body ? [Buffer.from(outcome.body.buffer, outcome.body.byteOffset, outcome.body.byteLength)] : [];
    w.resolve(toFetchResponse(outcome.status, outcome.headers, chunks));
  }

  /** The thread that holds the connections, started on first use; undefined when it cannot run. */
  function connectionThread(): Worker | undefined {
    if (worker || threadFailed) return worker;
    try {
      const started = startThread(new URL("./http2-thread.ts", import.meta.url));
      started.on("message", (batch: Outcome[]) => {
        for (const outcome of batch) settle(outcome);
      });
      const died = (error: Error) => {
        if (worker !== started) return;
        worker = undefined;
        threadFailed = true;
        // In-flight calls fail as network errors (retried by the outbox); new ones run in-thread.
        for (const [id, w] of [...waiting]) if (w.onThread) settle({ id, error: `HTTP/2 connection thread stopped: ${error.message}` });
      };
      started.on("error", died);
      started.on("exit", (code) => died(new Error(`exit code ${code}`)));
      started.unref();
      worker = started;
    } catch {
      threadFailed = true;
    }
    return worker;
  }

  return {
    request(url, init, maxResponseBytes, connect) {
      if (closed) return Promise.reject(new Error("the HTTP/2 client is closed"));
      if (init.signal?.aborted) return Promise.reject(init.signal.reason);
      const headers: Record<string, string> = { ":method": init.method, ":path": url.pathname + url.search };
      for (const [name, value] of Object.entries(init.headers)) {
        const lower = name.toLowerCase();
        if (!FORBIDDEN.has(lower)) headers[lower] = value;
      }
      const id = ++nextId;
      const exchange: Exchange = { id, origin: url.origin, headers, body: init.body, maxResponseBytes, rejectUnauthorized, allowPrivateNetwork: connect.allowPrivateNetwork };
      if (connect.hosts) exchange.hosts = connect.hosts;
      const thread = connectionThread();
      return new Promise<Response | undefined>((resolve, reject) => {
        const w: Waiting = { origin: url.origin, onThread: thread !== undefined, resolve, reject, signal: init.signal };
        if (init.signal) {
          const signal = init.signal;
          w.onAbort = () => {
            if (!forget(id)) return;
            reject(signal.reason ?? new Error("aborted"));
            if (w.onThread) mailbox.post({ cancel: id });
            else local?.cancel(id);
          };
          signal.addEventListener("abort", w.onAbort, { once: true });
        }
        waiting.set(id, w);
        if (thread) {
          if (waiting.size === 1) thread.ref();
          // A view into a larger buffer would be copied whole to the other thread: send exactly the body.
          const body = exchange.body;
          if (body instanceof Uint8Array && (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength)) exchange.body = new Uint8Array(body);
          mailbox.post(exchange);
        } else {
          local ??= createHttp2Client(settle);
          local.request(exchange);
        }
      });
    },
    prefersHttp1: (origin) => http1Only.has(origin),
    onOwnThread: () => worker !== undefined,
    async close() {
      closed = true;
      const thread = worker;
      worker = undefined;
      for (const [id] of [...waiting]) settle({ id, error: "the HTTP/2 client closed" });
      local?.close();
      await thread?.terminate();
    },
  };
}
