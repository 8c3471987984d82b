import type { OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";

/**
 * Static files the runtime handed in (read from disk on Node and Deno, bundled on Workers):
 * `/sdk/herald.js`, `/sw.js`, `/demo/…`. Served as they are, with a short cache and a validator.
 */
export function assetRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  app.get("/demo", (c) => c.redirect("/demo/", 301));
  app.get("/demo/", (c) => serve(c.req.header("if-none-match"), "/demo/index.html"));
  app.get("/sdk/*", (c) => serve(c.req.header("if-none-match"), c.req.path));
  app.get("/demo/*", (c) => serve(c.req.header("if-none-match"), c.req.path));
  app.get("/sw.js", (c) => serve(c.req.header("if-none-match"), "/sw.js"));

  const etags = new Map(Object.entries(deps.assets).map(([path, a]) => [path, `"${hash(a.body)}"`]));

  function serve(ifNoneMatch: string | undefined, path: string): Response {
    const asset = deps.assets[path];
    if (!asset) throw notFound("file", path);
    const etag = etags.get(path)!;
    const headers = { etag, "cache-control": "public, max-age=60", "content-type": asset.type, "x-content-type-options": "nosniff" };
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers });
    return new Response(asset.body, { headers });
  }
}

/** FNV-1a: a cheap content hash for ETags (not a security boundary). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}
