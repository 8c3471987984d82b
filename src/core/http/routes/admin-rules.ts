import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { dryRun } from "../../admin/dry-run.js";
import { ExternalId } from "../../schemas/common.js";
import { DryRunResult } from "../../schemas/dry-run.js";
import { EventInput } from "../../schemas/event.js";
import { RuleInput } from "../../schemas/rule.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const DryRunInput = z
  .strictObject({
    event: EventInput,
    /** An unsaved rule to try instead of the stored one with its id (or alongside the stored rules). */
    rule: RuleInput.extend({ id: ExternalId }).optional(),
  })
  .openapi("DryRunInput");

/** Rule dry runs: what an event would send, to whom, on which channel, without sending. */
export function adminRuleRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/rules/dry-run",
      summary: "Plan an event without storing or sending anything: matching rules, recipients, rendered messages",
      security: bearerSecurity,
      request: { body: jsonBody(DryRunInput) },
      responses: { 200: jsonResponse(DryRunResult, "One entry per rule for the event's type: whether it matches, how many it reaches (counted) with the first of them, and sample messages"), ...problems },
    }),
    async (c) => {
      const { event, rule } = c.req.valid("json");
      const now = clock.now();
      let rules = await store.rules.list();
      if (rule) {
        const { id, ...body } = rule;
        rules = [...rules.filter((r) => r.id !== id), { id, body, enabled: body.enabled ?? true, updatedAt: now }];
      }
      const result = await dryRun({ store, channels: deps.channels, now }, event, rules);
      return c.json({ rules: result }, 200);
    },
  );
}
