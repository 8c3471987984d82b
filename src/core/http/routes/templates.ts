import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, notFound, ProblemError, errorMessage } from "../../errors.js";
import { renderContent, selectContent, templateProblems, type TemplateContext } from "../../rendering.js";
import { channelContentProblems, renderChannelContent } from "../../channels/content.js";
import { ExternalId } from "../../schemas/common.js";
import { Template, TemplateInput, TemplatePreviewInput, type TemplateChannels } from "../../schemas/template.js";
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
  })
  .openapi("TemplatePreview");

export function templateRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

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
      const broken = [...templateProblems(body), ...(await channelContentProblems(body, (id) => deps.channels.get(id)?.definition))];
      if (broken.length > 0) throw invalidRequest("the template does not compile", broken);
      const saved = await store.templates.put(key, body, clock.now());
      deps.caches.templates.invalidate(key);
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
      if (!(await store.templates.delete(key))) throw notFound("template", key);
      deps.caches.templates.invalidate(key);
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
      const subscriber = { id: "preview", ...(input.subscriber ?? {}) } as TemplateContext["subscriber"];
      const locale = input.locale ?? (typeof subscriber.locale === "string" ? subscriber.locale : null);
      const context: TemplateContext = {
        data: input.data ?? {},
        subscriber: { ...subscriber, locale },
        event: { id: "evt_preview", type: "preview", topic: null, ...(input.event ?? {}) } as TemplateContext["event"],
        notification: { id: "ntf_preview", url: typeof input.data?.url === "string" ? input.data.url : null },
      };
      const names = input.channels ?? Object.keys(record.body.channels);
      const channels: Record<string, unknown> = {};
      const details: Record<string, Record<string, unknown>> = {};
      for (const name of names) {
        const content = selectContent(record.body, name, locale);
        if (!content) continue;
        const definition = deps.channels.get(name)?.definition;
        // The same compile + render the engine runs per message, so the preview is what is sent.
        const rendered = definition ? await renderChannelContent(definition, content, context) : renderLoose(content, context);
        if (!rendered.ok) {
          throw new ProblemError(422, "template-render-error", "The template cannot be rendered with this data", rendered.message, {
            errors: [{ path: `channels.${name as keyof TemplateChannels}`, message: rendered.message }],
          });
        }
        channels[name] = rendered.content;
        const described = definition?.describe?.(rendered.content);
        if (described) details[name] = described;
      }
      return c.json({ locale, channels, details }, 200);
    },
  );
}

/** Content for a channel this server does not have installed: rendered, but not checked against it. */
function renderLoose(content: unknown, context: TemplateContext) {
  try {
    return { ok: true as const, content: renderContent(content, context) as Record<string, unknown> };
  } catch (error) {
    return { ok: false as const, code: "render_failed", message: errorMessage(error) };
  }
}
