import type { MiddlewareHandler } from "hono";
import { authenticateSubscriber } from "../auth/subscriber-access.js";
import { bearerToken } from "./auth.js";
import type { AppEnv, HttpDeps } from "./deps.js";
import { unauthorized } from "./problem.js";
import { ProblemError } from "../errors.js";

/** What the service worker's receipt token (carried in push payloads) may reach. */
const RECEIPT_PATHS = /^\/v1\/me\/(notifications\/[^/]+\/(seen|clicked)|push-subscriptions)$/;

/**
 * `/v1/me/*`: the browser's subscriber token, from `Authorization: Bearer` or, where a browser API
 * cannot set headers (EventSource, WebSocket), `?token=`. The token names the subscriber; nothing
 * the client sends can widen that.
 */
export function requireSubscriber(deps: HttpDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization")) ?? c.req.query("token");
    if (!token) throw unauthorized("send Authorization: Bearer <subscriber token> (or ?token=)");
    // Signed and unexpired, and its subscriber still the one it was issued for (not erased since).
    const claims = await authenticateSubscriber(deps.store, deps.secrets.tokenKey, token, deps.clock.now());
    if (!claims) throw unauthorized("the subscriber token is not valid, has expired, or its subscriber no longer exists");
    // Only full tokens reach everything; a scoped one (receipts, unsubscribe links) reaches its paths or nothing.
    if (claims.scope !== undefined && !(claims.scope === "receipts" && RECEIPT_PATHS.test(c.req.path))) {
      throw new ProblemError(403, "forbidden", "Not allowed with this token", "a receipt token may only report seen or clicked and register push subscriptions");
    }
    c.set("subscriberId", claims.sub);
    c.set("subscriberClaims", claims);
    return next();
  };
}
