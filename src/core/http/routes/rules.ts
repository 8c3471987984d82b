import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type FieldProblem, invalidRequest, notFound } from "../../errors.js";
import { MAX_STEP_DELAY_MS, parseDuration } from "../../duration.js";
import { templateChannels } from "../../rendering.js";
import { ExternalId } from "../../schemas/common.js";
import { Rule, RuleInput } from "../../schemas/rule.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";
import { ruleView } from "../views.js";
import { workflowProblems } from "../../rules/workflow-problems.js";

const IdParams = z.object({ id: ExternalId.openapi({ param: { name: "id", in: "path" }, example: "order-updates" }) });

export function ruleRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, channels } = deps;

  /** What the schema cannot know: channels installed here, templates stored, durations in range. */
  async function ruleProblems(rule: RuleInput): Promise<FieldProblem[]> {
    const found: FieldProblem[] = [];
    for (const [i, step] of rule.steps.entries()) {
      const at = `steps.${i}`;
      const knownChannel = channels.get(step.channel) !== undefined;
      if (!knownChannel) found.push({ path: `${at}.channel`, message: `unknown channel "${step.channel}"; installed: ${channels.ids().join(", ")}` });
      const template = await store.templates.get(step.template);
      if (!template) found.push({ path: `${at}.template`, message: `no template "${step.template}"` });
      else if (knownChannel && !templateChannels(template.body).has(step.channel)) found.push({ path: `${at}.template`, message: `template "${step.template}" has no ${step.channel} content` });
      for (const field of ["delay", "after"] as const) {
        const text = step[field];
        if (text !== undefined && (parseDuration(text) ?? Infinity) > MAX_STEP_DELAY_MS) found.push({ path: `${at}.${field}`, message: "at most 30d" });
      }
      if (step.fallback && i === 0) found.push({ path: `${at}.fallback`, message: "the first step has no step before it to fall back from" });
      if (step.unlessSeen && !step.after) found.push({ path: `${at}.unlessSeen`, message: "unlessSeen needs `after`: how long to wait for the notification to be seen" });
    }
    found.push(...workflowProblems(rule, channels.ids()));
    return found;
  }

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/rules/{id}",
      summary: "Create or replace a rule",
      security: bearerSecurity,
      request: { params: IdParams, body: jsonBody(RuleInput) },
      responses: { 200: jsonResponse(Rule, "Saved"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const found = await ruleProblems(body);
      if (found.length > 0) throw invalidRequest("the rule refers to things that do not exist or do not fit", found);
      const saved = await deps.configuration.putRule(id, body);
      return c.json(ruleView(saved), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/rules/{id}",
      summary: "Read a rule",
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 200: jsonResponse(Rule, "The rule"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const record = await store.rules.get(id);
      if (!record) throw notFound("rule", id);
      return c.json(ruleView(record), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/rules",
      summary: "List rules",
      security: bearerSecurity,
      responses: { 200: jsonResponse(z.object({ items: z.array(Rule) }), "All rules"), ...problems },
    }),
    async (c) => c.json({ items: (await store.rules.list()).map(ruleView) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/rules/{id}",
      summary: "Delete a rule",
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 204: { description: "Deleted" }, ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await deps.configuration.deleteRule(id))) throw notFound("rule", id);
      return c.body(null, 204);
    },
  );
}
