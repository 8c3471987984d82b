import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, notFound, ProblemError } from "../../errors.js";
import { templateBodyProblems } from "../../channels/content.js";
import { previewRenderError, previewTemplate } from "../../preview.js";
import { ExternalId } from "../../schemas/common.js";
import { TemplatePreviewInput } from "../../schemas/template.js";
import { templateSchemasOf } from "../../channels/template-schemas.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";
import { templateView } from "../views.js";

const KeyParams = z.object({ key: ExternalId.openapi({ param: { name: "key", in: "path" }, example: "order-status" }) });
const Preview = z
  .object({
    locale: z.string().nullable(),
    channels: z.record(z.string(), z.unknown()),
    /** Facts per channel about the rendered content, e.g. SMS `{encoding, segments}`. */
    details: z.record(z.string(), z.record(z.string(), z.unknown())),
    /** Placeholders the sample leaves empty, by field: the message would go out with a gap. */
    warnings: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .openapi("TemplatePreview");

export function templateRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store } = deps;
  // Accepted channels and their content: the registered declarations.
  const { Template, TemplateInput } = templateSchemasOf(deps.channels);

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/templates/{key}",
      summary: "Create or replace a template (every string is Handlebars; a broken one is refused)",
      security: bearerSecurity,
      request: { params: KeyParams, body: jsonBody(TemplateInput) },
      responses: { 200: jsonResponse(Template, "Saved; `version` counts saves"), ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const body = c.req.valid("json");
      const broken = await templateBodyProblems(body, (id) => deps.channels.get(id)?.definition);
      if (broken.length > 0) throw invalidRequest("the template does not compile", broken);
      const saved = await deps.configuration.putTemplate(key, body);
      return c.json(templateView(saved), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/templates/{key}",
      summary: "Read a template",
      security: bearerSecurity,
      request: { params: KeyParams },
      responses: { 200: jsonResponse(Template, "The template"), ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const record = await store.templates.get(key);
      if (!record) throw notFound("template", key);
      return c.json(templateView(record), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/templates/{key}",
      summary: "Delete a template",
      security: bearerSecurity,
      request: { params: KeyParams },
      responses: { 204: { description: "Deleted" }, ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const inUse = (await store.rules.list()).filter((r) => r.body.steps.some((s) => s.template === key)).map((r) => r.id);
      if (inUse.length > 0) throw new ProblemError(409, "template-in-use", "Template in use", `rules ${inUse.join(", ")} use template "${key}"`);
      if (!(await deps.configuration.deleteTemplate(key))) throw notFound("template", key);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/templates/{key}/preview",
      summary: "Render a stored template with sample data, as a subscriber would get it",
      security: bearerSecurity,
      request: { params: KeyParams, body: jsonBody(TemplatePreviewInput) },
      responses: { 200: jsonResponse(Preview, "Rendered content per channel"), 422: problems[400], ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const input = c.req.valid("json");
      const record = await store.templates.get(key);
      if (!record) throw notFound("template", key);
      const result = await previewTemplate(record.body, input, deps.channels);
      if (!result.ok) throw previewRenderError(result.problems);
      const { ok: _ok, ...view } = result;
      return c.json(view, 200);
    },
  );
}
