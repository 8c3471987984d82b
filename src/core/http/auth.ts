import type { MiddlewareHandler } from "hono";
import { csrfMatches, CSRF_HEADER, findSession, readCookie, SESSION_COOKIE } from "../admin/session.js";
import { apiKeyMatches } from "../auth/api-key.js";
import { signedEventId, verifySignature } from "../auth/signature.js";
import { timingSafeEqual } from "../../lib/encoding.js";
import { ProblemError } from "../errors.js";
import type { AppEnv, HttpDeps } from "./deps.js";
import { unauthorized } from "./problem.js";

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** Methods that change nothing, so they need no CSRF token. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Server-side routes need the API key, or an admin UI session (its cookie, plus the session's CSRF
 * token in `X-Herald-CSRF` on anything but GET/HEAD). `POST /v1/events` may instead carry
 * `X-Herald-Signature`, an HMAC of the raw body: it is checked here, before anything parses (and
 * re-serialises) the body.
 */
export function requireApiKey(deps: HttpDeps): MiddlewareHandler<AppEnv> {
  // Hashing every request's key costs a WebCrypto round trip (~0.1 ms in Node); keys that were
  // verified once are remembered and later compared in constant time.
  const verified: string[] = [];
  const isValidKey = async (token: string) => {
    if (verified.some((known) => timingSafeEqual(known, token))) return true;
    if (!(await apiKeyMatches(token, deps.secrets.apiKeyHash))) return false;
    if (verified.length < 8) verified.push(token);
    return true;
  };
  return async (c, next) => {
    const signature = c.req.header("x-herald-signature");
    if (signature !== undefined && c.req.method === "POST" && c.req.path === "/v1/events") {
      if (!deps.secrets.webhookSecret) throw unauthorized("signed events are off: HERALD_WEBHOOK_SECRET is not set");
      const raw = await c.req.text();
      const check = await verifySignature(deps.secrets.webhookSecret, signature, raw, Math.floor(deps.clock.now() / 1000));
      if (!check.ok) throw unauthorized(`X-Herald-Signature: ${check.reason}`);
      // Replays of a signed request must not make new events: the route takes its id from the signature.
      c.set("signedEventId", signedEventId(check.mac));
      return next();
    }
    const token = bearerToken(c.req.header("authorization"));
    if (!token) {
      const cookie = readCookie(c.req.header("cookie"), SESSION_COOKIE);
      if (cookie === undefined) throw unauthorized("send Authorization: Bearer <api key>, or log in at /admin/");
      const session = await findSession(deps.store, cookie, deps.clock.now());
      if (!session) throw unauthorized("the admin session has expired or was ended; log in again");
      // The cookie rides along with any request the browser makes, even one another site starts;
      // only the admin UI's own script can read the token this header needs.
      if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(session, c.req.header(CSRF_HEADER))) {
        throw new ProblemError(403, "csrf", "CSRF token missing or wrong", `send the session's CSRF token in ${CSRF_HEADER}`);
      }
      return next();
    }
    if (!(await isValidKey(token))) throw unauthorized("the API key is not valid");
    return next();
  };
}
