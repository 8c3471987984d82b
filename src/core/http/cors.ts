import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { HeraldError, ProblemError } from "../errors.js";
import type { AppEnv } from "./deps.js";

/**
 * What a page on another origin may reach: the subscriber's own API, the browser SDK files and the
 * VAPID key. The API-key routes are server-to-server and never answer another origin; `/sw.js`
 * must be same-origin anyway (a service worker's script cannot come from elsewhere).
 */
const SUBSCRIBER_FACING = /^\/(v1\/me(\/|$)|sdk\/|v1\/push\/vapid-public-key$)/;

/**
 * `HERALD_ALLOWED_ORIGINS`: comma-separated exact origins (`https://shop.example`). `*` is
 * refused: every site could then drive a subscriber's inbox with a token it got hold of, and the
 * list is what stops that in a browser. A malformed entry stops the start.
 * @example parseAllowedOrigins("https://shop.example, http://localhost:3000") // ["https://shop.example", "http://localhost:3000"]
 */
export function parseAllowedOrigins(raw: string | undefined): string[] {
  const entries = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const bad = (why: string) => new HeraldError("bad_config", `HERALD_ALLOWED_ORIGINS: "${entry}" ${why}`);
    if (entry.includes("*")) throw bad("is a wildcard; list each origin exactly (scheme://host[:port])");
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw bad("is not an origin such as https://shop.example");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw bad("must be http:// or https://");
    if (url.origin !== entry.replace(/\/$/, "")) throw bad(`is not an origin: write ${url.origin} (no path, query or trailing parts)`);
    return url.origin;
  });
}

/** Whether `origin` names this server itself (its request host or its public URL). */
function sameOrigin(origin: string, requestUrl: string, publicUrl: string): boolean {
  try {
    const host = new URL(origin).host;
    // Host, not origin: behind a TLS-terminating proxy the request arrives as http:// while the page is https://.
    return host === new URL(requestUrl).host || (publicUrl !== "" && origin === new URL(publicUrl).origin);
  } catch {
    return false;
  }
}

/**
 * CORS for the subscriber-facing paths, from `HERALD_ALLOWED_ORIGINS`, and a refusal (403) of
 * browser requests sent from any other origin, WebSocket upgrades and SSE included: browsers send
 * `Origin` on those, and a WebSocket is not protected by CORS at all. Requests without `Origin`
 * (servers, curl, same-origin GETs) are left to the token check. Credentials are never allowed:
 * the SDK authenticates with a bearer token, not cookies.
 */
export function subscriberOrigins(allowedOrigins: readonly string[], publicUrl: () => string): MiddlewareHandler<AppEnv> {
  const allowed = new Set(allowedOrigins);
  const corsHeaders = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
    allowHeaders: ["authorization", "content-type", "last-event-id"],
    exposeHeaders: ["x-request-id", "retry-after"],
    // Browsers cap this (Chromium at 2 h); 10 min keeps a changed list from lingering long.
    maxAge: 600,
  });
  return async (c, next) => {
    if (!SUBSCRIBER_FACING.test(c.req.path)) return next();
    const origin = c.req.header("origin");
    if (origin === undefined || sameOrigin(origin, c.req.url, publicUrl())) {
      await next();
      // A shared cache must not hand one origin's answer (with or without CORS headers) to another.
      if (allowed.size > 0) c.header("vary", "Origin", { append: true });
      return;
    }
    if (!allowed.has(origin)) {
      throw new ProblemError(403, "origin-not-allowed", "Origin not allowed", `pages on ${origin} may not use this Herald: add it to HERALD_ALLOWED_ORIGINS`, {
        headers: { vary: "Origin" },
      });
    }
    return corsHeaders(c, next);
  };
}
