import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { API_VERSION } from "../api-version.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { finishDocument } from "../openapi.js";
import { assetServer } from "./assets.js";

/**
 * `GET /openapi.json` (the document generated from the routes' zod schemas, finished in
 * openapi.ts) and `GET /docs`: a reference page rendered by Redoc's standalone bundle, which Herald
 * serves itself (`/docs/redoc.standalone.js`, from the `redoc` package; no CDN). Both public.
 */
export function referenceRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps, options: { description: string; isPublic(path: string): boolean }) {
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    summary: "This document: OpenAPI 3.1, generated from the schemas that validate requests",
    responses: { 200: { description: "The OpenAPI document", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/docs",
    summary: "The API reference page (Redoc), rendering /openapi.json",
    responses: { 301: { description: "Redirect to /docs/" } },
  });

  let document: Record<string, unknown> | undefined;
  app.get("/openapi.json", (c) => {
    // The routes are all registered before the first request: generate once.
    document ??= finishDocument(
      app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "Herald", version: API_VERSION, description: options.description } }) as unknown as Record<string, unknown>,
      { serverUrl: deps.publicUrl(), isPublic: options.isPublic },
    );
    return c.json(document);
  });

  // Redoc styles itself inline and runs its search in a worker made from a blob.
  const serve = assetServer(deps.assets, {
    "cache-control": "public, max-age=300",
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
  });
  app.get("/docs", (c) => c.redirect("/docs/", 301));
  app.get("/docs/", (c) => serve(c.req.header("if-none-match"), "/docs/index.html"));
  app.get("/docs/*", (c) => serve(c.req.header("if-none-match"), c.req.path));
}
