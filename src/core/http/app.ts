import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { errorMessage, invalidRequest, ProblemError } from "../errors.js";
import { newId } from "../ids.js";
import { JSON_LIMITS } from "../schemas/json.js";
import { requireApiKey } from "./auth.js";
import type { AppEnv, HttpDeps } from "./deps.js";
import { problemResponse, zodProblems } from "./problem.js";
import { eventRoutes } from "./routes/events.js";
import { ruleRoutes } from "./routes/rules.js";
import { subscriberRoutes } from "./routes/subscribers.js";
import { systemRoutes } from "./routes/system.js";
import { templateRoutes } from "./routes/templates.js";
import { meRoutes } from "./routes/me.js";
import { streamRoutes } from "./routes/stream.js";
import { roomRoutes } from "./routes/rooms.js";
import { adminEventRoutes } from "./routes/admin-events.js";
import { broadcastAudienceRoutes } from "./routes/broadcast-audience.js";
import { broadcastRoutes } from "./routes/broadcasts.js";
import { assetRoutes } from "./routes/assets.js";
import { pushRoutes } from "./routes/push.js";
import { requireSubscriber } from "./subscriber-auth.js";
import { preferenceRoutes } from "./routes/preferences.js";
import { channelWebhookRoutes } from "./routes/channel-webhooks.js";
import { adminRoutes } from "./routes/admin.js";
import { referenceRoutes } from "./routes/reference.js";
import { subscriberOrigins } from "./cors.js";
import { meInboxRoutes } from "./routes/me-inbox.js";
import { meProfileRoutes } from "./routes/me-profile.js";
import { demoRoutes } from "./routes/demo.js";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints.js";

/** Paths under /v1 that do not take the server API key. */
const PUBLIC_V1 = [/^\/v1\/me(\/|$)/, /^\/v1\/push\/vapid-public-key$/, /^\/v1\/unsubscribe\//, /^\/v1\/channels\/[^/]+\/webhook$/, /^\/v1\/admin\/(login|session)$/];

/**
 * The one Hono app every runtime serves. Runtimes only adapt I/O around it (HTTP server, store,
 * timers); routes and behaviour are identical everywhere.
 */
export function createApp(deps: HttpDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures become 400 problem documents naming each field.
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "json" ? undefined : result.target;
        throw invalidRequest("the request does not match the schema", zodProblems(result.error, where, (result as { data?: unknown }).data));
      }
    },
  });

  app.use("*", async (c, next) => {
    const requestId = c.req.header("x-request-id") ?? newId("req");
    c.set("requestId", requestId);
    const started = Date.now();
    await next();
    c.header("x-request-id", requestId);
    deps.logger.log("info", "request", { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
  });

  // Before everything that can refuse a request, so refusals carry CORS headers the page can read.
  app.use("*", subscriberOrigins(deps.allowedOrigins, deps.publicUrl));

  const tooLarge = () => {
    // The rest of the body is never read, so the connection cannot be reused: say so.
    throw new ProblemError(413, "payload-too-large", "Request body too large", `the body is larger than ${deps.maxBodyBytes} bytes`, {
      headers: { connection: "close" },
    });
  };
  const streamedBodyLimit = bodyLimit({ maxSize: deps.maxBodyBytes, onError: tooLarge });
  app.use("*", (c, next) => {
    // A declared length is checked from the header alone. Hono's bodyLimit first asks whether the
    // request has a body, and on Node that builds a web stream for it (~120 µs, a tenth of an event's
    // CPU in bench/realtime) which the adapter's direct body read would not need. Bodies without a
    // length (chunked) are counted as they stream, by bodyLimit.
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) return Number(length) > deps.maxBodyBytes ? tooLarge() : next();
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    return streamedBodyLimit(c, next);
  });

  const apiKey = requireApiKey(deps);
  app.use("/v1/*", async (c, next) => (PUBLIC_V1.some((p) => p.test(c.req.path)) ? next() : apiKey(c, next)));
  app.use("/v1/me/*", requireSubscriber(deps));
  app.use("/metrics", apiKey);

  assetRoutes(app, deps);
  systemRoutes(app, deps);
  meRoutes(app, deps);
  meInboxRoutes(app, deps);
  pushRoutes(app, deps);
  preferenceRoutes(app, deps);
  meProfileRoutes(app, deps);
  channelWebhookRoutes(app, deps);
  streamRoutes(app, deps);
  roomRoutes(app, deps);
  broadcastAudienceRoutes(app, deps);
  broadcastRoutes(app, deps);
  subscriberRoutes(app, deps);
  templateRoutes(app, deps);
  ruleRoutes(app, deps);
  eventRoutes(app, deps);
  adminRoutes(app, deps);
  adminEventRoutes(app, deps);
  demoRoutes(app, deps);
  webhookEndpointRoutes(app, deps);

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "HERALD_API_KEY" });
  app.openAPIRegistry.registerComponent("securitySchemes", "subscriberToken", { type: "http", scheme: "bearer", description: "POST /v1/subscribers/{id}/tokens" });
  app.openAPIRegistry.registerComponent("securitySchemes", "signature", { type: "apiKey", in: "header", name: "X-Herald-Signature" });
  const limits =
    `Errors are RFC 9457 application/problem+json. Request bodies: at most ${Math.round(deps.maxBodyBytes / 1024)} KiB (413 past it). ` +
    `Free-form JSON (JsonObject: event, broadcast, subscriber and message data, preview samples): at most ${JSON_LIMITS.maxDepth} levels deep, ` +
    `${JSON_LIMITS.maxKeys} keys in all and ${JSON_LIMITS.maxBytes / 1024} KiB as JSON (400 past them).`;
  // Public: anything outside /v1 but the metrics, and the /v1 paths that take no API key.
  const isPublic = (path: string) => (path.startsWith("/v1/") ? PUBLIC_V1.some((p) => p.test(path)) : path !== "/metrics");
  referenceRoutes(app, deps, { description: `Notification engine API. ${limits}`, isPublic });

  app.notFound((c) => problemResponse(c, new ProblemError(404, "not-found", "Not found", `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error);
    if (error instanceof HTTPException) {
      // Hono's own refusals, e.g. a body that is not JSON.
      const status = error.status;
      const title = status === 400 ? "Malformed request" : "Request refused";
      return problemResponse(c, new ProblemError(status, status === 400 ? "malformed-request" : "http-error", title, error.message || title));
    }
    deps.logger.log("error", "unhandled error", { requestId: c.get("requestId"), path: c.req.path, error: errorMessage(error), stack: (error as Error)?.stack });
    return problemResponse(c, new ProblemError(500, "internal-error", "Internal error", `something went wrong; request id ${c.get("requestId")}`));
  });
  return app;
}
