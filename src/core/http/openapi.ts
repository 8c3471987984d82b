import { z } from "@hono/zod-openapi";
import { Problem } from "../schemas/common.js";

/** A required JSON request body (required, so a missing body is refused rather than skipped). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

const problemContent = { "application/problem+json": { schema: Problem } };

/** The problem responses every authenticated route can give. */
export const problems = {
  400: { content: problemContent, description: "The request is not valid; `errors` names each field." },
  401: { content: problemContent, description: "Missing or wrong credentials." },
  404: { content: problemContent, description: "No such resource." },
} as const;

export const bearerSecurity = [{ apiKey: [] }];

export const IdParam = (name: string, example: string) =>
  z.string().min(1).max(128).openapi({ param: { name, in: "path" }, example });

type Operation = Record<string, unknown> & { operationId?: string; tags?: string[]; security?: unknown[]; responses?: Record<string, unknown> };
type Document = { paths?: Record<string, Record<string, Operation>>; servers?: unknown[]; tags?: { name: string; description: string }[] } & Record<string, unknown>;

/** Tags of the reference, by the first segment of a path under /v1 (anything else is `System`). */
const TAGS: Record<string, { name: string; description: string }> = {
  events: { name: "Events", description: "What the business app posts; each event's notifications and delivery status." },
  subscribers: { name: "Subscribers", description: "People notifications go to: profile, preferences, SDK tokens, erasure." },
  topics: { name: "Topics", description: "Topics and rooms, and who is in them." },
  templates: { name: "Templates", description: "Handlebars content per channel and locale, with previews." },
  rules: { name: "Rules", description: "Which events notify whom, on which channels, with delays, escalations and fallbacks." },
  broadcasts: { name: "Broadcasts", description: "One template to a topic, to everyone or to a field value; progress." },
  stats: { name: "System", description: "Health, statistics, metrics and this reference." },
  me: { name: "Subscriber (browser)", description: "What the browser SDK calls with a subscriber token: inbox, live stream (SSE, WebSocket), rooms, push, preferences." },
  push: { name: "Subscriber (browser)", description: "" },
  unsubscribe: { name: "Unsubscribe", description: "Signed one-click unsubscribe links (RFC 8058)." },
  channels: { name: "Channel webhooks", description: "Providers calling back (delivery reports, bounces); each channel verifies its caller." },
  admin: { name: "Admin", description: "What only the admin UI needs: session, dashboard series, search, template versions, dry runs, event timelines." },
};
const SYSTEM = TAGS.stats!;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

const pascal = (text: string) => text.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");

/**
 * An operation's id from its method and path: `GET /v1/subscribers/{id}/preferences` →
 * `getSubscribersByIdPreferences`. Stable as long as the route is, and unique because the pair is.
 */
export function operationIdFor(method: string, path: string): string {
  const segments = path.split("/").filter((s) => s && s !== "v1");
  return method.toLowerCase() + segments.map((s) => (/^\{.+\}$/.test(s) ? `By${pascal(s.slice(1, -1))}` : pascal(s))).join("");
}

/** The tag of a path: its first segment under /v1, else System. */
export function tagFor(path: string): string {
  const first = /^\/v1\/([^/]+)/.exec(path)?.[1];
  return (first && TAGS[first]?.name) ?? SYSTEM.name;
}

/**
 * Completes the generated OpenAPI document where the routes leave it to one place: each operation's
 * `operationId` and `tags` (from method and path, unless the route set its own), its `security`
 * (`[]` on public routes, so the reference says no credentials are needed; the API key on anything
 * else that named none), the `servers` list and the tag descriptions. Routes stay free of this
 * bookkeeping, and a route added anywhere gets it too.
 */
export function finishDocument<D extends Document>(doc: D, options: { serverUrl: string; isPublic(path: string): boolean }): D {
  const used = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = methods[method];
      if (!operation) continue;
      operation.operationId ??= operationIdFor(method, path);
      operation.tags ??= [tagFor(path)];
      for (const tag of operation.tags) used.add(tag);
      operation.security ??= options.isPublic(path) ? [] : bearerSecurity;
    }
  }
  const described = new Map<string, string>();
  for (const tag of [SYSTEM, ...Object.values(TAGS)]) if (tag.description && !described.has(tag.name)) described.set(tag.name, tag.description);
  doc.tags = [...used].sort().map((name) => ({ name, description: described.get(name) ?? name }));
  doc.servers = [{ url: options.serverUrl, description: "This Herald" }];
  return doc;
}
