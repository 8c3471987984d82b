import type { MiddlewareHandler } from "hono";
import { verifyToken } from "../auth/subscriber-token.js";
import { bearerToken } from "./auth.js";
import type { AppEnv, HttpDeps } from "./deps.js";
import { unauthorized } from "./problem.js";

/**
 * `/v1/me/*`: the browser's subscriber token, from `Authorization: Bearer` or, where a browser API
 * cannot set headers (EventSource, WebSocket), `?token=`. The token names the subscriber; nothing
 * the client sends can widen that.
 */
export function requireSubscriber(deps: HttpDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization")) ?? c.req.query("token");
    if (!token) throw unauthorized("send Authorization: Bearer <subscriber token> (or ?token=)");
    const claims = await verifyToken(deps.secrets.tokenKey, token, deps.clock.now());
    if (!claims) throw unauthorized("the subscriber token is not valid or has expired");
    c.set("subscriberId", claims.sub);
    return next();
  };
}
