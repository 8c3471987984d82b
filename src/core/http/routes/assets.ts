import type { OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";

/**
 * Static files the runtime handed in (read from disk on Node and Deno, bundled on Workers):
 * `/sdk/herald.js`, `/sw.js`, `/demo/…`. Served as they are, with a short cache and a validator.
 */
export function assetRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const serve = assetServer(deps.assets, { "cache-control": "public, max-age=60", "x-content-type-options": "nosniff" });
  // The welcome page: the first event, watched live (on Workers the assets answer / themselves).
  app.get("/", (c) => serve(c.req.header("if-none-match"), "/index.html"));
  app.get("/demo", (c) => c.redirect("/demo/", 301));
  app.get("/demo/", (c) => serve(c.req.header("if-none-match"), "/demo/index.html"));
  app.get("/sdk/*", (c) => {
    // On Workers the files are assets outside the script; /sdk/* still comes here (wrangler.toml's
    // run_worker_first) so that cross-origin pages get their CORS headers.
    if (!deps.assets[c.req.path] && deps.fetchAsset) return deps.fetchAsset(c.req.raw);
    return serve(c.req.header("if-none-match"), c.req.path);
  });
  app.get("/demo/*", (c) => serve(c.req.header("if-none-match"), c.req.path));
  app.get("/sw.js", (c) => serve(c.req.header("if-none-match"), "/sw.js"));
}

/**
 * Serves the handed-in assets by path with an ETag (hashed once, here) and the caller's headers;
 * answers 304 when `If-None-Match` names the current ETag, and a not-found problem for unknown paths.
 */
export function assetServer(assets: HttpDeps["assets"], headers: Record<string, string>): (ifNoneMatch: string | undefined, path: string) => Response {
  const etags = new Map(Object.entries(assets).map(([path, a]) => [path, `"${hash(a.body)}"`]));
  return (ifNoneMatch, path) => {
    const asset = assets[path];
    if (!asset) throw notFound("file", path);
    const etag = etags.get(path)!;
    const all = { etag, "content-type": asset.type, ...headers };
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers: all });
    return new Response(asset.body, { headers: all });
  };
}

/** FNV-1a: a cheap content hash for ETags (not a security boundary). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}
