import type { IncomingHttpHeaders } from "node:http";

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A fetch `Response` from what node:http or node:http2 received (HTTP/2 pseudo-headers dropped). */
export function toFetchResponse(status: number, headers: IncomingHttpHeaders, chunks: Buffer[], statusText = ""): Response {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, String(value));
  }
  return new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText, headers: out });
}
