/**
 * HTTP/2 for outbound HTTPS calls on Node: one connection per origin, every request a stream on it.
 * Push services (FCM, Mozilla autopush, Apple) speak HTTP/2, and a broadcast is thousands of small
 * POSTs to one origin: a stream costs far less CPU than an HTTP/1.1 request on a pooled socket.
 * An origin that does not negotiate h2 (ALPN) is remembered and served by HTTP/1.1 instead.
 *
 * The connections live on a worker thread: Node's HTTP/2 client costs ~80-100 µs of CPU per
 * stream (nghttp2, TLS, stream objects), which a broadcast paid on the event loop that also runs
 * the engine; here the event loop only posts the request and builds the Response (a few µs,
 * batched; bench/push main thread ~460-560 → ~295 µs per message, about the same CPU in all
 * threads). `HERALD_HTTP2_THREAD=0` keeps the connections on the calling thread, and so does a
 * worker that failed to start or died.
 *
 * Each connection's DNS lookup goes through the SSRF guard (node/net/guarded-lookup.ts), on whichever
 * thread holds it; connections are pooled per origin and per connect policy.
 */
import dns from "node:dns";
import http2 from "node:http2";
import type { IncomingHttpHeaders } from "node:http";
import { Worker } from "node:worker_threads";
import { blockedAddress, isPrivateAddress } from "../../../core/net/outbound.js";
import { guardedLookup, type ConnectPolicy } from "./guarded-lookup.js";
import { toFetchResponse } from "./response.js";
import { threadMailbox } from "./thread-mailbox.js";

/** Headers HTTP/2 forbids (connection-specific); `host` becomes `:authority`. */
const FORBIDDEN = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);

/** Where requests go and under what terms: the origin, the connect policy, the limits. */
export interface Route extends ConnectPolicy {
  origin: string;
  maxResponseBytes: number;
  rejectUnauthorized: boolean;
  /** How long opening a connection may take (10 s when absent; tests shorten it). */
  connectTimeoutMs?: number;
}
/** One request as the client below takes it: pseudo-headers included, body bytes or text, and its route. */
export interface Exchange extends Route {
  id: number;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}
/** Its outcome: an answer, a failure (`blocked` when the guard refused the address), or "this origin does not speak HTTP/2". */
export type Outcome =
  | { id: number; status: number; headers: IncomingHttpHeaders; body: Uint8Array | null }
  | { id: number; error: string; blocked?: { host: string; address: string } }
  | { id: number; http1: true };

/** What the client needs for the SSRF guard: functions, so that the worker thread gets them as source text. */
export interface Guard {
  lookup: typeof dns.lookup;
  guardedLookup: typeof guardedLookup;
  isPrivateAddress: typeof isPrivateAddress;
}

/**
 * The HTTP/2 client itself, as plain JavaScript source: the worker thread evaluates it (no loader
 * or build step needed to start one) and the in-thread fallback evaluates the same text, so both
 * behave alike. `createClient(http2, guard, done)` returns `{ request(exchange), send(route, id,
 * headers, body), cancel(id) }`; every request ends in exactly one `done(outcome)`. `send` serves
 * callers that keep one route for many requests (push sender threads): its pool key is worked out once.
 */
export const CLIENT_SOURCE = `
const IDLE_MS = 60000;
// A TLS handshake that stalls must not hold every later call to that origin.
const CONNECT_MS = 10000;
return function createClient(http2, guard, done) {
  const sessions = new Map();   // pool key -> Promise<session | undefined>
  const connected = new Map();  // pool key -> session, once connected
  const streams = new Map();    // id -> stream, to cancel
  const awaiting = new Set();   // ids waiting for their session; cancel() takes them out
  // The connection's DNS answers pass the SSRF guard; a refusal says what it refused.
  function lookupFor(x) {
    if (x.allowPrivateNetwork && !x.hosts) return undefined;
    return guard.guardedLookup(guard.lookup, (address, host) => {
      if (x.allowPrivateNetwork || !guard.isPrivateAddress(address)) return;
      throw Object.assign(new Error("refusing to reach " + host + " (" + address + ")"), { code: "blocked_address", host, address });
    }, x.hosts);
  }
  function failure(id, error) {
    if (error.code === "blocked_address") return { id, error: error.message, blocked: { host: error.host, address: error.address } };
    return { id, error: error.message };
  }
  function sessionFor(x) {
    // A connection opened under one policy never serves another (a guarded call, an open one).
    // Nor does one opened without certificate checks serve a call that wants them.
    const key = x.poolKey || (x.poolKey = (x.allowPrivateNetwork ? "open " : "guarded ") + (x.rejectUnauthorized ? "" : "unverified ") + (x.hosts ? JSON.stringify(x.hosts) + " " : "") + x.origin);
    const ready = connected.get(key);
    if (ready && !ready.closed && !ready.destroyed) return ready;
    let pending = sessions.get(key);
    if (pending) return pending;
    pending = new Promise((resolve, reject) => {
      const session = http2.connect(x.origin, { rejectUnauthorized: x.rejectUnauthorized, lookup: lookupFor(x) });
      const connectMs = x.connectTimeoutMs || CONNECT_MS;
      const connectTimer = setTimeout(() => session.destroy(new Error("could not connect within " + connectMs + " ms")), connectMs);
      connectTimer.unref();
      const forget = () => {
        clearTimeout(connectTimer);
        if (sessions.get(key) === pending) sessions.delete(key);
        if (connected.get(key) === session) connected.delete(key);
      };
      session.once("connect", () => {
        clearTimeout(connectTimer);
        if (session.socket.alpnProtocol !== "h2") {
          forget();
          session.destroy();
          return resolve(undefined);
        }
        // Never keeps the process alive by itself; closed after a quiet minute.
        session.unref();
        session.setTimeout(IDLE_MS, () => session.close());
        connected.set(key, session);
        resolve(session);
      });
      session.once("error", (error) => {
        forget();
        // A TLS server without h2 in its ALPN list refuses the handshake outright.
        if (error.code === "ERR_SSL_NO_APPLICATION_PROTOCOL" || /no application protocol/i.test(error.message)) return resolve(undefined);
        reject(error);
      });
      session.once("close", forget);
      session.once("goaway", forget);
    });
    sessions.set(key, pending);
    return pending;
  }
  // Shared (request() copies its options). Always explicit: left out, Node ends a GET, HEAD or
  // DELETE at its headers, and a body written after that fails once the request already went out.
  const END_STREAM = { endStream: true };
  const BODY_FOLLOWS = { endStream: false };
  function dispatch(session, x, id, headers, body) {
    if (!session) return done({ id, http1: true });
    let stream;
    try {
      stream = session.request(headers, body === undefined ? END_STREAM : BODY_FOLLOWS);
    } catch (error) {
      return done(failure(id, error));
    }
    streams.set(id, stream);
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      streams.delete(id);
      done(outcome);
    };
    let responseHeaders = {};
    stream.once("response", (h) => (responseHeaders = h));
    const chunks = [];
    let size = 0;
    stream.on("data", (chunk) => {
      size += chunk.length;
      if (size > x.maxResponseBytes) return stream.destroy(new Error("response larger than " + x.maxResponseBytes + " bytes"));
      chunks.push(chunk);
    });
    stream.once("error", (error) => finish(failure(id, error)));
    stream.once("end", () => {
      if (responseHeaders[":status"] === undefined) return finish({ id, error: "the stream ended without a response" });
      // A fresh, exactly sized copy: socket chunks are views into larger buffers.
      let received = null;
      if (size > 0) {
        received = new Uint8Array(size);
        let at = 0;
        for (const chunk of chunks) { received.set(chunk, at); at += chunk.length; }
      }
      finish({ id, status: Number(responseHeaders[":status"]), headers: responseHeaders, body: received });
    });
    stream.once("close", () => {
      // A stream reset before its end (RST_STREAM, GOAWAY) never emits "end".
      if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) finish({ id, error: "stream reset by the server (code " + stream.rstCode + ")" });
    });
    if (body !== undefined) stream.end(body);
  }
  function send(route, id, headers, body) {
    const session = sessionFor(route);
    if (!(session instanceof Promise)) return dispatch(session, route, id, headers, body);
    // Cancelled while connecting (the caller timed out): never sent, or a retry would repeat it.
    awaiting.add(id);
    // Sent later: a copy, since a caller may reuse its headers object for the next request.
    const held = Object.assign({}, headers);
    session.then(
      (s) => awaiting.delete(id) && dispatch(s, route, id, held, body),
      (error) => awaiting.delete(id) && done(failure(id, error)),
    );
  }
  return {
    request: (x) => send(x, x.id, x.headers, x.body),
    send,
    cancel(id) {
      if (awaiting.delete(id)) return;
      const stream = streams.get(id);
      streams.delete(id);
      stream?.close(http2.constants.NGHTTP2_CANCEL);
    },
  };
};
`;

export type Client = {
  request(exchange: Exchange): void;
  send(route: Route, id: number, headers: Record<string, string>, body?: string | Uint8Array): void;
  cancel(id: number): void;
};
export type CreateClient = (h2: typeof http2, guard: Guard, done: (outcome: Outcome) => void) => Client;

/**
 * The guard's functions cross to the thread as their source text (functions cannot be posted);
 * both are self-contained. `__name`: under tsx (esbuild's keepNames) their text calls
 * `__name(fn, "name")` on inner functions, a helper of the module they came from, not of this one.
 */
const WORKER_SOURCE = `
const dns = require("node:dns");
const http2 = require("node:http2");
const { parentPort } = require("node:worker_threads");
const __name = (fn) => fn;
const guard = { lookup: dns.lookup, guardedLookup: (${guardedLookup}), isPrivateAddress: (${isPrivateAddress}) };
let out = [];
let scheduled = false;
const flush = () => { scheduled = false; if (out.length === 0) return; const batch = out; out = []; parentPort.postMessage(batch); };
const client = new Function(${JSON.stringify(CLIENT_SOURCE)})()(http2, guard, (outcome) => {
  out.push(outcome);
  if (!scheduled) { scheduled = true; setImmediate(flush); }
});
parentPort.on("message", (batch) => {
  for (const m of batch) if (m.cancel !== undefined) client.cancel(m.cancel); else client.request(m);
});
`;

/** Origins that answered ALPN without h2: HTTP/1.1 from now on. */
const http1Only = new Set<string>();

export function prefersHttp1(origin: string): boolean {
  return http1Only.has(origin);
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
const waiting = new Map<number, Waiting>();
let nextId = 0;

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

let worker: Worker | undefined;
let workerFailed = false;
let local: Client | undefined;
// Requests cross to the thread in batches; answers come back one message per turn of the thread.
const post = threadMailbox<{ cancel: number } | Exchange>((batch) => worker?.postMessage(batch)).post;

/** Whether connections live on their own thread (for tests and benches). */
export function http2OnOwnThread(): boolean {
  return worker !== undefined && process.env.HERALD_HTTP2_THREAD !== "0";
}

/** The thread that holds the connections, started on first use; undefined when it cannot run. */
function connectionThread(): Worker | undefined {
  if (worker || workerFailed) return worker;
  try {
    const started = new Worker(WORKER_SOURCE, { eval: true });
    started.on("message", (batch: Outcome[]) => {
      for (const outcome of batch) settle(outcome);
    });
    const died = (error: Error) => {
      if (worker !== started) return;
      worker = undefined;
      workerFailed = true;
      // In-flight calls fail as network errors (retried by the outbox); new ones run in-thread.
      for (const [id, w] of [...waiting]) if (w.onThread) settle({ id, error: `HTTP/2 connection thread stopped: ${error.message}` });
    };
    started.on("error", died);
    started.on("exit", (code) => died(new Error(`exit code ${code}`)));
    started.unref();
    worker = started;
  } catch {
    workerFailed = true;
  }
  return worker;
}

/**
 * Sends one request over HTTP/2 on a connection opened under `connect`. Resolves undefined when the
 * origin turned out not to speak it (the caller then uses HTTP/1.1); rejects on network errors,
 * aborts and oversized answers, and with `OutboundError("blocked_address")` when the guard refused
 * the address.
 */
export function http2Request(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal | null },
  maxResponseBytes: number,
  connect: ConnectPolicy,
): Promise<Response | undefined> {
  if (init.signal?.aborted) return Promise.reject(init.signal.reason);
  const headers: Record<string, string> = { ":method": init.method, ":path": url.pathname + url.search };
  for (const [name, value] of Object.entries(init.headers)) {
    const lower = name.toLowerCase();
    if (!FORBIDDEN.has(lower)) headers[lower] = value;
  }
  const id = ++nextId;
  const exchange: Exchange = { id, origin: url.origin, headers, body: init.body, maxResponseBytes, rejectUnauthorized: process.env.NODE_TLS_REJECT_UNAUTHORIZED !== "0", allowPrivateNetwork: connect.allowPrivateNetwork };
  if (connect.hosts) exchange.hosts = connect.hosts;
  const thread = process.env.HERALD_HTTP2_THREAD === "0" ? undefined : connectionThread();
  return new Promise<Response | undefined>((resolve, reject) => {
    const w: Waiting = { origin: url.origin, onThread: thread !== undefined, resolve, reject, signal: init.signal };
    if (init.signal) {
      const signal = init.signal;
      w.onAbort = () => {
        if (!forget(id)) return;
        reject(signal.reason ?? new Error("aborted"));
        if (w.onThread) post({ cancel: id });
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
      post(exchange);
    } else {
      local ??= (new Function(CLIENT_SOURCE)() as CreateClient)(http2, { lookup: dns.lookup, guardedLookup, isPrivateAddress }, settle);
      local.request(exchange);
    }
  });
}
