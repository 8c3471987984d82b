import { z } from "@hono/zod-openapi";
import { Locale } from "../schemas/common.js";
import { TemplatePreviewInput, TemplateSample, type Template as TemplateT, type TemplateInput as TemplateInputT } from "../schemas/template.js";
import type { AnyChannel } from "./define.js";

/**
 * The template API's schemas, derived from the registered channels: `channels` accepts exactly the
 * registered ids, each validated by that channel's `content` schema, and the OpenAPI document shows
 * the same (each content schema as its own component, `<Id>Content`). One call per app: the names
 * are registered with the app's OpenAPI document.
 */
export function templateSchemas(definitions: readonly AnyChannel[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const channel of definitions) {
    shape[channel.id] = (channel.content as z.ZodType).optional().openapi({ description: `${channel.title}: the content sent on this channel` });
  }
  const TemplateChannels = z.strictObject(shape).openapi("TemplateChannels", { description: `Content per channel: ${definitions.map((c) => c.id).join(", ")}` });
  const TemplateInput = z
    .strictObject({
      channels: TemplateChannels,
      /** Per-locale overrides; a subscriber whose locale is missing here gets `channels`. */
      locales: z.record(Locale, z.strictObject({ channels: TemplateChannels })).optional(),
      description: z.string().max(500).optional(),
      /** What the admin previews this template with (kept with it, never used when sending). */
      sample: TemplateSample.optional(),
    })
    .openapi("TemplateInput");
  const Template = TemplateInput.extend({ key: z.string(), version: z.number().int(), updatedAt: z.string() }).openapi("Template");
  const DraftPreviewInput = TemplatePreviewInput.extend({ template: TemplateInput }).openapi("TemplateDraftPreviewInput");
  // Typed as the engine's shapes (content as JSON objects): which keys exist is known only at run time.
  return {
    TemplateChannels,
    TemplateInput: TemplateInput as unknown as z.ZodType<TemplateInputT>,
    Template: Template as unknown as z.ZodType<TemplateT>,
    DraftPreviewInput: DraftPreviewInput as unknown as z.ZodType<z.infer<typeof TemplatePreviewInput> & { template: TemplateInputT }>,
  };
}

export type TemplateSchemas = ReturnType<typeof templateSchemas>;

const byRegistry = new WeakMap<object, TemplateSchemas>();

/** `templateSchemas` for a registry's declarations, built once per registry (routes share them). */
export function templateSchemasOf(registry: { definitions(): AnyChannel[] }): TemplateSchemas {
  let schemas = byRegistry.get(registry);
  if (!schemas) byRegistry.set(registry, (schemas = templateSchemas(registry.definitions())));
  return schemas;
}
