import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "../deps.js";
import { jsonResponse, problems } from "../openapi.js";

const Option = z.object({ id: z.string(), title: z.string() });
const PreferenceOptions = z
  .object({
    channels: z.array(Option).openapi({ description: "Channels this server can reach you on (configured ones; the in-app inbox itself is not switchable here)" }),
    categories: z.array(Option).openapi({ description: "Categories of the non-critical rules, and `broadcasts`; critical rules ignore switches" }),
  })
  .openapi("PreferenceOptions");

/** Rules and templates of the demo (`demo-…`) concern only its own subscribers, who are `demo-…` too. */
const isDemo = (id: string) => id.startsWith("demo-");

/**
 * What a preferences screen can offer: `GET /v1/me/preferences` holds only what the subscriber
 * changed, so the switches themselves (which channels, which categories) come from here.
 */
export function mePreferenceOptionRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
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
