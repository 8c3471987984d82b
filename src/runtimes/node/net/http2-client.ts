/**
 * The HTTP/2 client itself: one connection per origin and connect policy, every request a stream
 * on it, each ending in exactly one `done(outcome)`. It runs wherever it is created: on the HTTP/2
 * connection thread (http2-thread.ts), on each push sender thread (node/push/thread.ts), or on the
 * event loop when those threads are off (http2.ts).
 *
 * An origin whose TLS handshake does not pick h2 (ALPN) is answered `{ http1: true }`: the caller
 * sends that request over HTTP/1.1 instead.
 */
import dns from "node:dns";
import http2 from "node:http2";
import type { IncomingHttpHeaders } from "node:http";
import { isPrivateAddress } from "../../../core/net/outbound.js";
import { guardedLookup, type ConnectPolicy } from "../../shared/guarded-lookup.js";

/** A quiet connection is closed after a minute. */
const IDLE_MS = 60_000;
/** A TLS handshake that stalls must not hold every later call to that origin. */
const CONNECT_MS = 10_000;

/** Where requests go and under what terms: the origin, the connect policy, the limits. */
export interface Route extends ConnectPolicy {
  origin: string;
  maxResponseBytes: number;
  rejectUnauthorized: boolean;
  /** How long opening a connection may take (10 s when absent; tests shorten it). */
  connectTimeoutMs?: number;
  /** The connection pool's key for this route, worked out on first use (a route reused for many requests pays once). */
  poolKey?: string;
}

/** One request: pseudo-headers included, body bytes or text, and its route. */
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

export interface Http2Client {
  request(exchange: Exchange): void;
  /** For callers that keep one route for many requests (push sender threads); `headers` may be reused by the caller once this returns. */
  send(route: Route, id: number, headers: Record<string, string>, body?: string | Uint8Array): void;
  /** Stops a request: never sent if its connection is still opening, else its stream is cancelled. No outcome follows. */
  cancel(id: number): void;
  /** Closes every connection. */
  close(): void;
}

/** The SSRF guard's refusal, with what it refused (an outcome carries both across threads). */
class RefusedAddress extends Error {
  readonly code = "blocked_address";
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`refusing to reach ${host} (${address})`);
  }
}

/** The connection's DNS answers pass the SSRF guard; undefined when there is nothing to check. */
function lookupFor(route: Route) {
  if (route.allowPrivateNetwork && !route.hosts) return undefined;
  return guardedLookup(
    dns.lookup,
    (address, host) => {
      if (!route.allowPrivateNetwork && isPrivateAddress(address)) throw new RefusedAddress(host, address);
    },
    route.hosts,
  );
}

function failure(id: number, error: Error): Outcome {
  if (error instanceof RefusedAddress) return { id, error: error.message, blocked: { host: error.host, address: error.address } };
  return { id, error: error.message };
}

/**
 * A connection opened under one policy never serves another (a guarded call, an open one), nor
 * does one opened without certificate checks serve a call that wants them.
 */
function poolKey(route: Route): string {
  return (route.poolKey ??= `${route.allowPrivateNetwork ? "open " : "guarded "}${route.rejectUnauthorized ? "" : "unverified "}${route.hosts ? `${JSON.stringify(route.hosts)} ` : ""}${route.origin}`);
}

// Shared (request() copies its options). Always explicit: left out, Node ends a GET, HEAD or
// DELETE at its headers, and a body written after that fails once the request already went out.
const END_STREAM = { endStream: true };
const BODY_FOLLOWS = { endStream: false };

/**
 * @example
 * const client = createHttp2Client((outcome) => answers.push(outcome));
 * client.request({ id: 1, origin, headers: { ":method": "POST", ":path": "/push/x" }, body, maxResponseBytes: 65536, rejectUnauthorized: true, allowPrivateNetwork: false });
 */
export function createHttp2Client(done: (outcome: Outcome) => void): Http2Client {
  /** Pool key → the connection being opened; undefined once it turned out not to speak h2. */
  const opening = new Map<string, Promise<http2.ClientHttp2Session | undefined>>();
  const connected = new Map<string, http2.ClientHttp2Session>();
  /** Streams in flight by request id, to cancel. */
  const streams = new Map<number, http2.ClientHttp2Stream>();
  /** Requests waiting for their connection; cancel() takes them out. */
  const awaiting = new Set<number>();

  function sessionFor(route: Route): http2.ClientHttp2Session | Promise<http2.ClientHttp2Session | undefined> {
    const key = poolKey(route);
    const ready = connected.get(key);
    if (ready && !ready.closed && !ready.destroyed) return ready;
    const pending = opening.get(key);
    if (pending) return pending;
    const started = new Promise<http2.ClientHttp2Session | undefined>((resolve, reject) => {
      const session = http2.connect(route.origin, { rejectUnauthorized: route.rejectUnauthorized, lookup: lookupFor(route) });
      const connectMs = route.connectTimeoutMs || CONNECT_MS;
      const connectTimer = setTimeout(() => session.destroy(new Error(`could not connect within ${connectMs} ms`)), connectMs);
      connectTimer.unref();
      const forget = () => {
        clearTimeout(connectTimer);
        if (opening.get(key) === started) opening.delete(key);
        if (connected.get(key) === session) connected.delete(key);
      };
      session.once("connect", () => {
        clearTimeout(connectTimer);
        if ((session.socket as { alpnProtocol?: string | false }).alpnProtocol !== "h2") {
          forget();
          session.destroy();
          return resolve(undefined);
        }
        // Never keeps the process alive by itself; closed after a quiet minute.
        session.unref();
        session.setTimeout(IDLE_MS, () => session.close());
        connected.set(key, session);
        opening.delete(key);
        resolve(session);
      });
      session.once("error", (error: NodeJS.ErrnoException) => {
        forget();
        // A TLS server without h2 in its ALPN list refuses the handshake outright.
        if (error.code === "ERR_SSL_NO_APPLICATION_PROTOCOL" || /no application protocol/i.test(error.message)) return resolve(undefined);
        reject(error);
      });
      session.once("close", forget);
      session.once("goaway", forget);
    });
    opening.set(key, started);
    return started;
  }

  function dispatch(session: http2.ClientHttp2Session | undefined, route: Route, id: number, headers: Record<string, string>, body: string | Uint8Array | undefined): void {
    if (!session) return done({ id, http1: true });
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, body === undefined ? END_STREAM : BODY_FOLLOWS);
    } catch (error) {
      return done(failure(id, error as Error));
    }
    streams.set(id, stream);
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      streams.delete(id);
      done(outcome);
    };
    let responseHeaders: IncomingHttpHeaders & { ":status"?: number } = {};
    stream.once("response", (h) => (responseHeaders = h));
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > route.maxResponseBytes) return stream.destroy(new Error(`response larger than ${route.maxResponseBytes} bytes`));
      chunks.push(chunk);
    });
    stream.once("error", (error) => finish(failure(id, error)));
    stream.once("end", () => {
      if (responseHeaders[":status"] === undefined) return finish({ id, error: "the stream ended without a response" });
      // A fresh, exactly sized copy: socket chunks are views into larger buffers.
      let received: Uint8Array | null = null;
      if (size > 0) {
        received = new Uint8Array(size);
        let at = 0;
        for (const chunk of chunks) {
          received.set(chunk, at);
          at += chunk.length;
        }
      }
      finish({ id, status: Number(responseHeaders[":status"]), headers: responseHeaders, body: received });
    });
    stream.once("close", () => {
      // A stream reset before its end (RST_STREAM, GOAWAY) never emits "end".
      if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) finish({ id, error: `stream reset by the server (code ${stream.rstCode})` });
    });
    if (body !== undefined) stream.end(body);
  }

  function send(route: Route, id: number, headers: Record<string, string>, body?: string | Uint8Array): void {
    const session = sessionFor(route);
    if (!(session instanceof Promise)) return dispatch(session, route, id, headers, body);
    // Cancelled while connecting (the caller timed out): never sent, or a retry would repeat it.
    awaiting.add(id);
    // Sent later: a copy, since a caller may reuse its headers object for the next request.
    const held = { ...headers };
    session.then(
      (s) => void (awaiting.delete(id) && dispatch(s, route, id, held, body)),
      (error: Error) => void (awaiting.delete(id) && done(failure(id, error))),
    );
  }

  return {
    request: (exchange) => send(exchange, exchange.id, exchange.headers, exchange.body),
    send,
    cancel(id) {
      if (awaiting.delete(id)) return;
      const stream = streams.get(id);
      streams.delete(id);
      stream?.close(http2.constants.NGHTTP2_CANCEL);
    },
    close() {
      awaiting.clear();
      for (const session of connected.values()) session.destroy();
      connected.clear();
      for (const pending of opening.values()) void pending.then((s) => s?.destroy(), () => {});
      opening.clear();
    },
  };
}
