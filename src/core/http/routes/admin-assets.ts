import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "../deps.js";
import { assetServer } from "./assets.js";

/**
 * The admin UI's files (`/admin/…` from `admin-ui/`, uPlot under `/admin/vendor/`), from the assets
 * the runtime handed in. A strict Content-Security-Policy: the UI runs only its own scripts, and the
 * email preview (a sandboxed srcdoc frame, which inherits this policy) may use inline styles.
 */
export function adminAssetRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const serve = assetServer(deps.assets, {
    "cache-control": "no-cache",
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
  });
  app.get("/admin", (c) => c.redirect("/admin/", 301));
  app.get("/admin/", (c) => serve(c.req.header("if-none-match"), "/admin/index.html"));
  app.get("/admin/*", (c) => serve(c.req.header("if-none-match"), c.req.path));
}
