import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import { DEMO_PREFIX } from "./demo.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { jsonResponse, problems } from "../openapi.js";

const Option = z.object({ id: z.string(), title: z.string() });
const PreferenceOptions = z
  .object({
    channels: z.array(Option).openapi({ description: "Channels this server can reach you on (configured ones; the in-app inbox itself is not switchable here)" }),
    categories: z.array(Option).openapi({ description: "Categories of the non-critical rules, and `broadcasts`; critical rules ignore switches" }),
  })
  .openapi("PreferenceOptions");
const Profile = z
  .object({ id: z.string(), name: z.string().nullable(), locale: z.string().nullable(), timezone: z.string().nullable() })
  .openapi("Profile", { description: "What a browser UI needs to address the subscriber (no addresses)" });

/** Rules and templates of the demo (`demo-…`) concern only its own subscribers, who are `demo-…` too. */
const isDemo = (id: string) => id.startsWith(DEMO_PREFIX);

/**
 * What a browser UI needs to present itself: the subscriber's name and locale (`/v1/me/profile`),
 * and what a preferences screen can offer (`/v1/me/preferences/options`: `GET /v1/me/preferences`
 * holds only what the subscriber changed, so the switches themselves come from here).
 */
export function meProfileRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/profile",
      summary: "Your name, locale and time zone",
      security: [{ subscriberToken: [] }],
      responses: { 200: jsonResponse(Profile, "Profile"), ...problems },
    }),
    async (c) => {
      const row = await deps.store.subscribers.get(c.get("subscriberId"));
      if (!row) throw notFound("subscriber", c.get("subscriberId"));
      return c.json({ id: row.id, name: row.name ?? null, locale: row.locale ?? null, timezone: row.timezone ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/preferences/options",
      summary: "The channel and category switches a preferences screen can show",
      security: [{ subscriberToken: [] }],
      responses: { 200: jsonResponse(PreferenceOptions, "Switches"), ...problems },
    }),
    async (c) => {
      const demo = isDemo(c.get("subscriberId"));
      const channels = deps.channels
        .describe()
        .filter((ch) => ch.configured && ch.id !== "realtime")
        .map((ch) => ({ id: ch.id, title: ch.title }));
      const categories = new Set<string>();
      for (const rule of await deps.store.rules.list()) {
        if (!rule.enabled || rule.body.critical || isDemo(rule.id) !== demo) continue;
        categories.add(rule.body.category ?? rule.id);
      }
      categories.add("broadcasts");
      return c.json({ channels, categories: [...categories].sort().map((id) => ({ id, title: id })) }, 200);
    },
  );
}
