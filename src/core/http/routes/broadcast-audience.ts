import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { BroadcastInput, MAX_FIELD_AUDIENCE } from "../../broadcasts.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const AudienceQuestion = BroadcastInput.pick({ audience: true, channels: true }).openapi("BroadcastAudienceQuestion");
const AudienceAnswer = z
  .object({
    total: z.number().int().openapi({ description: "Subscribers in the audience" }),
    channels: z.array(
      z.object({
        channel: z.string(),
        /** Of the audience, how many have an address on this channel (all of them on channels that need none). */
        reachable: z.number().int(),
        /** False on channels with no address to check here (reach known at sending: push devices, live connections). */
        checked: z.boolean(),
      }),
    ),
  })
  .openapi("BroadcastAudience");

/** Subscriber rows read per query while counting addresses. */
const CHUNK = 500;

/**
 * How many a broadcast would reach, per channel, without sending: what the admin shows before it asks
 * to confirm (a mistyped topic says 0 instead of finishing "done · 0 / 0").
 */
export function broadcastAudienceRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, channels } = deps;
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/broadcasts/audience",
      summary: "Count a broadcast's audience, per channel, without sending",
      security: bearerSecurity,
      request: { body: jsonBody(AudienceQuestion) },
      responses: { 200: jsonResponse(AudienceAnswer, "The audience's size, and its reach per channel"), ...problems },
    }),
    async (c) => {
      const { audience, channels: asked } = c.req.valid("json");
      // The same sets the broadcast planner reads (a field audience is bounded there, and here).
      const ids =
        "topic" in audience
          ? await store.subscribers.members(audience.topic)
          : "all" in audience
            ? await store.subscribers.allIds()
            : await store.subscriberSearch.idsWhere(audience.field, audience.value, MAX_FIELD_AUDIENCE + 1);
      const names = asked ?? channels.ids();
      const addressed = names.map((name) => ({ name, address: channels.get(name)?.definition.address }));
      const reach = new Map(names.map((n) => [n, 0]));
      if (addressed.some((a) => a.address)) {
        for (let i = 0; i < ids.length; i += CHUNK) {
          for (const row of await store.subscribers.getMany(ids.slice(i, i + CHUNK))) {
            const subscriber = { id: row.id, name: row.name, email: row.email, phone: row.phone, locale: row.locale };
            for (const { name, address } of addressed) if (address?.(subscriber)) reach.set(name, reach.get(name)! + 1);
          }
        }
      }
      return c.json(
        {
          total: ids.length,
          channels: addressed.map(({ name, address }) => ({ channel: name, reachable: address ? reach.get(name)! : ids.length, checked: Boolean(address) })),
        },
        200,
      );
    },
  );
}
