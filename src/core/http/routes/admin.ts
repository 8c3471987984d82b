import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "../deps.js";
import { adminAssetRoutes } from "./admin-assets.js";
import { adminJobRoutes } from "./admin-jobs.js";
import { adminRuleRoutes } from "./admin-rules.js";
import { adminSessionRoutes } from "./admin-session.js";
import { adminStatsRoutes } from "./admin-stats.js";
import { adminSubscriberRoutes } from "./admin-subscribers.js";
import { adminTemplateRoutes } from "./admin-templates.js";

/**
 * The admin UI (`/admin/`) and the API only it needs (`/v1/admin/*`). Everything else it does goes
 * through the ordinary `/v1` API, which takes its session cookie (+ CSRF header) as well as the API key.
 */
export function adminRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  adminAssetRoutes(app, deps);
  adminSessionRoutes(app, deps);
  adminStatsRoutes(app, deps);
  adminJobRoutes(app, deps);
  adminSubscriberRoutes(app, deps);
  adminTemplateRoutes(app, deps);
  adminRuleRoutes(app, deps);
}
