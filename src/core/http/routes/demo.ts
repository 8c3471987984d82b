import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { eraseSubscriber } from "../../erasure.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonResponse, problems } from "../openapi.js";

/** Ids of what the demo creates: subscribers, rules and templates; its rooms are `ticket:demo-…`. */
export const DEMO_PREFIX = "demo-";
const DEMO_ROOMS = "ticket:demo-";

/** Demo subscribers erased per call: each erasure is a batch of its own, and a request stays bounded. */
const SUBSCRIBERS_PER_CALL = 200;

const Removed = z
  .object({
    rules: z.number().int(),
    templates: z.number().int(),
    subscribers: z.number().int(),
    rooms: z.number().int(),
    remaining: z.number().int().openapi({ description: "Demo subscribers still there (call again while above 0)" }),
  })
  .openapi("DemoRemoved");

/**
 * The demo pages (/demo/, and the welcome page at /) create only namespaced things: rules and
 * templates `demo-…`, subscribers `demo-…`, rooms `ticket:demo-…`; demo rules match demo
 * subscribers only. `DELETE /v1/demo` takes all of it away (the pages' "Remove the demo" button).
 */
export function demoRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store } = deps;
  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/demo",
      summary: "Remove everything the demo created: demo- rules, templates and subscribers (erased), ticket:demo- rooms",
      security: bearerSecurity,
      responses: { 200: jsonResponse(Removed, "What was removed"), ...problems },
    }),
    async (c) => {
      // Rules first: a template still named by a rule cannot be deleted.
      const rules = (await store.rules.list()).filter((r) => r.id.startsWith(DEMO_PREFIX));
      for (const rule of rules) await deps.configuration.deleteRule(rule.id);
      const templates = (await store.templates.list()).filter((t) => t.key.startsWith(DEMO_PREFIX));
      for (const template of templates) {
        await deps.configuration.deleteTemplate(template.key);
      }
      const ids = await store.demo.subscriberIds(DEMO_PREFIX, SUBSCRIBERS_PER_CALL);
      // Erased as DELETE /v1/subscribers/{id} erases: data, tokens and live connections.
      for (const id of ids) await eraseSubscriber(deps, id);
      const rooms = await store.demo.removeRooms(DEMO_ROOMS);
      const remaining = (await store.demo.subscriberIds(DEMO_PREFIX, 1)).length;
      return c.json({ rules: rules.length, templates: templates.length, subscribers: ids.length, rooms, remaining }, 200);
    },
  );
}
