import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { previewRenderError, previewTemplate } from "../../preview.js";
import { AD_HOC_TEMPLATE_PREFIX } from "../../broadcasts.js";
import { templateBodyProblems } from "../../channels/content.js";
import { invalidRequest, notFound, ProblemError } from "../../errors.js";
import { ExternalId } from "../../schemas/common.js";
import type { TemplateInput } from "../../schemas/template.js";
import { templateSchemasOf } from "../../channels/template-schemas.js";
import { channelDescriptors } from "../../channels/descriptor.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";
import { templateView } from "../views.js";

const Loose = z.record(z.string(), z.unknown());
const KeyParams = z.object({ key: ExternalId.openapi({ param: { name: "key", in: "path" } }) });
const VersionParams = KeyParams.extend({ version: z.coerce.number().int().min(1).openapi({ param: { name: "version", in: "path" } }) });

/** Template list, version history and restore, and previews of unsaved edits. */
export function adminTemplateRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store } = deps;
  const { Template, DraftPreviewInput } = templateSchemasOf(deps.channels);
  const compileProblems = (body: TemplateInput) => templateBodyProblems(body, (id) => deps.channels.get(id)?.definition);

  const FieldDescriptor = z.object({
    name: z.string(),
    kind: z.enum(["text", "textarea", "url", "mjml", "actions", "json"]),
    required: z.boolean(),
    label: z.string(),
    maxLength: z.number().int().optional(),
    initial: z.string().optional(),
    placeholder: z.string().optional(),
  });
  const ChannelDescriptor = z
    .object({ id: z.string(), title: z.string(), configured: z.boolean(), fields: z.array(FieldDescriptor), preview: Loose.optional() })
    .openapi("ChannelDescriptor");
  // The same for every request: the declarations do not change while the process runs.
  let descriptors: ReturnType<typeof channelDescriptors> | undefined;
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/channels",
      summary: "Registered channels as the template editor draws them: content fields and preview layout, from each channel's declaration",
      security: bearerSecurity,
      responses: { 200: jsonResponse(z.object({ items: z.array(ChannelDescriptor) }), "In registration order"), ...problems },
    }),
    (c) => c.json({ items: (descriptors ??= channelDescriptors(deps.channels)) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/templates",
      summary: "All templates (ad hoc broadcast content left out)",
      security: bearerSecurity,
      responses: { 200: jsonResponse(z.object({ items: z.array(Template) }), "By key"), ...problems },
    }),
    async (c) => c.json({ items: (await store.templates.list()).filter((t) => !t.key.startsWith(AD_HOC_TEMPLATE_PREFIX)).map(templateView) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/templates/{key}/versions",
      summary: "Saved versions of a template, newest first",
      security: bearerSecurity,
      request: { params: KeyParams },
      responses: { 200: jsonResponse(z.object({ items: z.array(Loose) }), "Versions"), ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const versions = await store.templates.versions(key);
      if (versions.length === 0 && !(await store.templates.get(key))) throw notFound("template", key);
      return c.json({ items: versions.map((v) => ({ version: v.version, createdAt: new Date(v.createdAt).toISOString(), body: v.body })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/templates/{key}/versions/{version}/restore",
      summary: "Save an earlier version as the newest one",
      security: bearerSecurity,
      request: { params: VersionParams },
      responses: { 200: jsonResponse(Template, "Restored as a new version"), ...problems },
    }),
    async (c) => {
      const { key, version } = c.req.valid("param");
      const old = await store.templates.version(key, version);
      if (!old) throw notFound("template version", `${key}@${version}`);
      // Channels can change between versions (e.g. MJML rules): an old body must still compile today.
      const broken = await compileProblems(old.body);
      if (broken.length > 0) throw invalidRequest("that version no longer compiles", broken);
      const saved = await deps.configuration.putTemplate(key, old.body);
      return c.json(templateView(saved), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/templates/preview",
      summary: "Render a template body given in the request (an unsaved edit) with sample data; problems come back by field",
      security: bearerSecurity,
      request: { body: jsonBody(DraftPreviewInput) },
      responses: { 200: jsonResponse(Loose, "Rendered content per channel, and facts such as SMS segments"), 422: problems[400], ...problems },
    }),
    async (c) => {
      const { template, ...sample } = c.req.valid("json");
      const broken = await compileProblems(template);
      if (broken.length > 0) throw new ProblemError(422, "template-invalid", "The template does not compile", "fix the fields named in errors", { errors: broken });
      const result = await previewTemplate(template, sample, deps.channels);
      if (!result.ok) throw previewRenderError(result.problems);
      const { ok: _ok, ...view } = result;
      return c.json(view, 200);
    },
  );
}
