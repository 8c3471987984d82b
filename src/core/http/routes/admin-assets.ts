import type { OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";

/**
 * The admin UI's files (`/admin/…` from `admin-ui/`, uPlot under `/admin/vendor/`), from the assets
 * the runtime handed in. A strict Content-Security-Policy: the UI runs only its own scripts, and the
 * email preview (a sandboxed srcdoc frame, which inherits this policy) may use inline styles.
 */
export function adminAssetRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const etags = new Map(Object.entries(deps.assets).map(([path, a]) => [path, `"${hash(a.body)}"`]));
  const security = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
  };
  const serve = (ifNoneMatch: string | undefined, path: string): Response => {
    const asset = deps.assets[path];
    if (!asset) throw notFound("file", path);
    const etag = etags.get(path)!;
    const headers = { etag, "cache-control": "no-cache", "content-type": asset.type, ...security };
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers });
    return new Response(asset.body, { headers });
  };
  app.get("/admin", (c) => c.redirect("/admin/", 301));
  app.get("/admin/", (c) => serve(c.req.header("if-none-match"), "/admin/index.html"));
  app.get("/admin/*", (c) => serve(c.req.header("if-none-match"), c.req.path));
}

/** FNV-1a: a cheap content hash for ETags (not a security boundary); as in assets.ts. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}
