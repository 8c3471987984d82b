import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { audienceReach, MAX_CHECKED } from "../../broadcast-audience.js";
import { BroadcastInput } from "../../broadcasts.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const AudienceQuestion = BroadcastInput.pick({ audience: true, channels: true }).openapi("BroadcastAudienceQuestion");
const AudienceAnswer = z
  .object({
    total: z.number().int().openapi({ description: "Subscribers in the audience" }),
    estimated: z.boolean().openapi({ description: `True when the audience holds more than ${MAX_CHECKED.toLocaleString("en")} subscribers: reach is then extrapolated from the first ${MAX_CHECKED.toLocaleString("en")} in id order` }),
    sampled: z.number().int().openapi({ description: "Subscribers whose addresses were checked" }),
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

/**
 * How many a broadcast would reach, per channel, without sending: what the admin shows before it asks
 * to confirm (a mistyped topic says 0 instead of finishing "done · 0 / 0"). Counted by core/broadcast-audience.ts.
 */
export function broadcastAudienceRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
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
      const { audience, channels } = c.req.valid("json");
      return c.json(await audienceReach(deps, audience, channels), 200);
    },
  );
}
