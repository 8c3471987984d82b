/**
 * A `fetch` for outbound provider calls on Node: HTTP/2 to HTTPS origins that speak it (one
 * connection per origin, see http2.ts), else `node:http(s)` with keep-alive agents.
 * Why not the global fetch: on Node 20 it costs about 700 µs of CPU per HTTPS request against
 * about 260 µs for `https.request` (measured by bench/push), and a push broadcast is thousands of
 * small POSTs. It covers what channels send (string or byte bodies, no redirects followed) and
 * hands anything else to the global fetch.
 *
 * The SSRF guard is in each connection's DNS lookup (shared/guarded-lookup.ts): a pooled connection
 * was checked when it was opened, so a call costs no lookup. The global fetch cannot take a lookup,
 * so calls handed to it are checked before the call instead (channels never make such calls).
 */
import type { LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { createHttp2Requester } from "./http2.js";
import { policyLookup, type ConnectPolicy } from "../../shared/guarded-lookup.js";
import { toFetchResponse } from "./response.js";

/** Providers answer with a few hundred bytes; a peer that streams more is cut off, not buffered. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

type Agents = Record<"http:" | "https:", http.Agent>;

export interface NodeFetchOptions {
  /** HTTP/2 to HTTPS origins that speak it (default true; HERALD_HTTP2=0 turns it off). */
  http2?: boolean;
  /** HTTP/2 connections on their own thread (default true; HERALD_HTTP2_THREAD=0 turns it off). */
  http2Thread?: boolean;
  /** Verify servers' certificates (default true; false where NODE_TLS_REJECT_UNAUTHORIZED=0). */
  rejectUnauthorized?: boolean;
}

/** The settings above as the environment names them. */
export function nodeFetchOptions(env: Record<string, string | undefined>): NodeFetchOptions {
  return { http2: env.HERALD_HTTP2 !== "0", http2Thread: env.HERALD_HTTP2_THREAD !== "0", rejectUnauthorized: env.NODE_TLS_REJECT_UNAUTHORIZED !== "0" };
}

/** A fetch that owns connections (and an HTTP/2 thread): closed when its runtime shuts down. */
export type NodeFetch = typeof fetch & {
  close(): Promise<void>;
  /** Whether its HTTP/2 connections live on their own thread (for tests and benches). */
  http2OnOwnThread(): boolean;
};

/**
 * A fetch whose connections go only where `policy` allows: private addresses that a host name
 * resolves to are refused with `outboundError("blocked_address")` unless `allowPrivateNetwork`.
 * IP literals are not looked up, so not checked here: `createOutboundFetch` checks those.
 *
 * @example
 * const fetch = createNodeFetch({ allowPrivateNetwork: env.HERALD_ALLOW_PRIVATE_NETWORK === "1" }, nodeFetchOptions(env));
 * createHerald({ fetch, … }); // and on shutdown: await fetch.close()
 */
export function createNodeFetch(policy: ConnectPolicy, options: NodeFetchOptions = {}): NodeFetch {
  const lookup = policyLookup(policy);
  const rejectUnauthorized = options.rejectUnauthorized ?? true;
  const agents: Agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 256, lookup }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 256, lookup, rejectUnauthorized }),
  };
  const h2 = options.http2 === false ? undefined : createHttp2Requester({ onThread: options.http2Thread, rejectUnauthorized });
  const nodeFetch = (input: Parameters<typeof fetch>[0], init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const simpleBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
    if (typeof input !== "string" || !simpleBody || init.redirect === "follow") return checkedGlobalFetch(input, init, lookup);
    const url = new URL(input);
    if (url.protocol !== "http:" && url.protocol !== "https:") return checkedGlobalFetch(input, init, lookup);
    const headers: Record<string, string> = {};
    const given = init.headers;
    if (given && !(given instanceof Headers) && !Array.isArray(given)) Object.assign(headers, given);
    else new Headers(given).forEach((value, name) => (headers[name] = value));
    const method = init.method ?? "GET";
    if (h2 && url.protocol === "https:" && !h2.prefersHttp1(url.origin)) {
      return h2
        .request(url, { method, headers, body: (body ?? undefined) as string | Uint8Array | undefined, signal: init.signal }, MAX_RESPONSE_BYTES, policy)
        .then((response) => response ?? http1(agents, url, method, headers, body as string | Uint8Array | null | undefined, init.signal));
    }
    return http1(agents, url, method, headers, body as string | Uint8Array | null | undefined, init.signal);
  };
  return Object.assign(nodeFetch, {
    async close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
      await h2?.close();
    },
    http2OnOwnThread: () => h2?.onOwnThread() ?? false,
  });
}

/** The global fetch after the guarded lookup passed the host: weaker (it resolves again), and rare. */
async function checkedGlobalFetch(input: Parameters<typeof fetch>[0], init: RequestInit, lookup: ReturnType<typeof policyLookup>): Promise<Response> {
  if (lookup) {
    const url = new URL(input instanceof Request ? input.url : input);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if ((url.protocol === "http:" || url.protocol === "https:") && !isIP(host)) {
      await new Promise<void>((resolve, reject) => lookup(host, { all: true } as LookupOptions, (error) => (error ? reject(error) : resolve())));
    }
  }
  return fetch(input, init);
}

function http1(agents: Agents, url: URL, method: string, headers: Record<string, string>, body: string | Uint8Array | null | undefined, signal: AbortSignal | null | undefined): Promise<Response> {
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const request = transport.request(url, { method, headers, agent: agents[url.protocol as "http:"], signal: signal ?? undefined }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) return response.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
        chunks.push(chunk);
      });
      response.on("error", reject);
      response.on("close", () => {
        if (!response.complete) reject(new Error("connection closed before the response ended"));
      });
      response.on("end", () => {
        const status = response.statusCode ?? 500;
        // Response cannot represent 1xx; providers never answer a finished request with one.
        if (status < 200) return reject(new Error(`unexpected informational status ${status}`));
        resolve(toFetchResponse(status, response.headers, chunks, response.statusMessage ?? ""));
      });
    });
    request.on("error", reject);
    request.end(body ?? undefined);
  });
}
