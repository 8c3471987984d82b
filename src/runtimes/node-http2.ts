/**
 * HTTP/2 for outbound HTTPS calls on Node: one connection per origin, every request a stream on it.
 * Push services (FCM, Mozilla autopush, Apple) speak HTTP/2, and a broadcast is thousands of small
 * POSTs to one origin: a stream costs far less CPU than an HTTP/1.1 request on a pooled socket.
 * An origin that does not negotiate h2 (ALPN) is remembered and served by HTTP/1.1 instead.
 */
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { toFetchResponse } from "./node-response.js";

/** Headers HTTP/2 forbids (connection-specific); `host` becomes `:authority`. */
const FORBIDDEN = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);
/** How long an idle connection stays open before it is closed. */
const IDLE_MS = 60_000;

const sessions = new Map<string, Promise<ClientHttp2Session | undefined>>();
/** The same sessions once connected, for a request without waiting on a promise. */
const connected = new Map<string, ClientHttp2Session>();
/** Origins that answered ALPN without h2: HTTP/1.1 from now on. */
const http1Only = new Set<string>();

export function prefersHttp1(origin: string): boolean {
  return http1Only.has(origin);
}

/** A live session to `origin`, or undefined when the origin does not speak HTTP/2. */
function sessionFor(origin: string): Promise<ClientHttp2Session | undefined> {
  let pending = sessions.get(origin);
  if (!pending) {
    pending = new Promise((resolve, reject) => {
      const session = http2.connect(origin, { rejectUnauthorized: process.env.NODE_TLS_REJECT_UNAUTHORIZED !== "0" });
      const forget = () => {
        if (sessions.get(origin) === pending) sessions.delete(origin);
        if (connected.get(origin) === session) connected.delete(origin);
      };
      session.once("connect", () => {
        const socket = session.socket as { alpnProtocol?: string | false };
        if (socket.alpnProtocol !== "h2") {
          http1Only.add(origin);
          forget();
          session.destroy();
          return resolve(undefined);
        }
        // Never keeps the process alive by itself; closed after a quiet minute.
        session.unref();
        session.setTimeout(IDLE_MS, () => session.close());
        connected.set(origin, session);
        resolve(session);
      });
      session.once("error", (error: NodeJS.ErrnoException) => {
        forget();
        // A TLS server without h2 in its ALPN list refuses the handshake outright.
        if (error.code === "ERR_SSL_NO_APPLICATION_PROTOCOL" || /no application protocol/i.test(error.message)) {
          http1Only.add(origin);
          return resolve(undefined);
        }
        reject(error);
      });
      session.once("close", forget);
      session.once("goaway", forget);
    });
    sessions.set(origin, pending);
  }
  return pending;
}

/**
 * Sends one request over HTTP/2. Resolves undefined when the origin turned out not to speak it (the
 * caller then uses HTTP/1.1); rejects on network errors, aborts and oversized answers.
 */
export function http2Request(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal | null },
  maxResponseBytes: number,
): Promise<Response | undefined> {
  if (init.signal?.aborted) return Promise.reject(init.signal.reason);
  const ready = connected.get(url.origin);
  if (ready && !ready.closed && !ready.destroyed) return streamRequest(ready, url, init, maxResponseBytes);
  return sessionFor(url.origin).then((session) => session && streamRequest(session, url, init, maxResponseBytes));
}

function streamRequest(
  session: ClientHttp2Session,
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal | null },
  maxResponseBytes: number,
): Promise<Response> {
  const headers: Record<string, string> = { ":method": init.method, ":path": url.pathname + url.search };
  for (const [name, value] of Object.entries(init.headers)) if (!FORBIDDEN.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  return new Promise<Response>((resolve, reject) => {
    const stream = session.request(headers, { endStream: init.body === undefined });
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      init.signal?.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () => {
      fail(init.signal!.reason ?? new Error("aborted"));
      stream.close(http2.constants.NGHTTP2_CANCEL);
    };
    init.signal?.addEventListener("abort", onAbort, { once: true });
    let responseHeaders: IncomingHttpHeaders = {};
    stream.once("response", (h) => (responseHeaders = h));
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxResponseBytes) return stream.destroy(new Error(`response larger than ${maxResponseBytes} bytes`));
      chunks.push(chunk);
    });
    stream.once("error", fail);
    stream.once("end", () => {
      if (settled) return;
      if (responseHeaders[":status"] === undefined) return fail(new Error("the stream ended without a response"));
      settled = true;
      init.signal?.removeEventListener("abort", onAbort);
      resolve(toFetchResponse(Number(responseHeaders[":status"]), responseHeaders, chunks));
    });
    stream.once("close", () => {
      // A stream reset before its end (RST_STREAM, GOAWAY) never emits `end`.
      if (stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) fail(new Error(`stream reset by the server (code ${stream.rstCode})`));
    });
    if (init.body !== undefined) stream.end(init.body);
  });
}
