import { z } from "@hono/zod-openapi";
import { JsonObject, Locale } from "./common.js";

/**
 * Template schemas. Which channels a template may hold, and each one's content, come from the
 * registered channel declarations (`templateSchemas`, core/channels/template-schemas.ts); the shapes
 * here are the channel-independent part and the types the engine works with.
 */

/** Channel content of a template, keyed by channel id (each value checked by that channel's `content`). */
export const TemplateChannelsShape = z.record(z.string(), JsonObject);

/** What the admin previews a template with (kept with it, never used when sending). */
export const TemplateSample = z.strictObject({ data: JsonObject.optional(), subscriber: JsonObject.optional() });

/** A template as the engine handles it: the derived schema narrows `channels` to the registered ones. */
export const TemplateInputShape = z.strictObject({
  channels: TemplateChannelsShape,
  /** Per-locale overrides; a subscriber whose locale is missing here gets `channels`. */
  locales: z.record(Locale, z.strictObject({ channels: TemplateChannelsShape })).optional(),
  description: z.string().max(500).optional(),
  sample: TemplateSample.optional(),
});

export const TemplatePreviewInput = z
  .strictObject({
    data: JsonObject.optional(),
    subscriber: JsonObject.optional(),
    event: JsonObject.optional(),
    locale: Locale.optional(),
    channels: z.array(z.string().max(64)).max(20).optional(),
    /** Sample events for a digest step's template: it sees `digest.count`, `digest.events` (these `data`s, newest last), `digest.first` and `digest.last`. */
    digest: z.strictObject({ events: z.array(JsonObject).min(1).max(100) }).optional(),
  })
  .openapi("TemplatePreviewInput");

export type TemplateChannels = z.infer<typeof TemplateChannelsShape>;
export type TemplateInput = z.infer<typeof TemplateInputShape>;
export type Template = TemplateInput & { key: string; version: number; updatedAt: string };
