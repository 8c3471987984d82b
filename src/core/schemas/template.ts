import { z } from "@hono/zod-openapi";
import { JsonObject, Locale } from "./common.js";

const Text = (max: number) => z.string().max(max);
const UrlText = Text(2048);

export const PushContent = z.strictObject({
  title: Text(500),
  body: Text(4000),
  url: UrlText.optional(),
  icon: UrlText.optional(),
  badge: UrlText.optional(),
  image: UrlText.optional(),
  tag: Text(200).optional(),
  actions: z.array(z.strictObject({ action: Text(64), title: Text(200), url: UrlText.optional() })).max(4).optional(),
});
export const RealtimeContent = z.strictObject({ title: Text(500), body: Text(4000), url: UrlText.optional() });
export const EmailContent = z.strictObject({ subject: Text(998), mjml: Text(500_000) });
export const SmsContent = z.strictObject({ text: Text(2000) });
export const MattermostContent = z.strictObject({
  text: Text(16_383),
  username: Text(64).optional(),
  icon_url: UrlText.optional(),
  channel: Text(64).optional(),
});

/** Channel content of a template: one entry per channel the template can be sent on. */
export const TemplateChannels = z
  .strictObject({
    push: PushContent.optional(),
    realtime: RealtimeContent.optional(),
    email: EmailContent.optional(),
    sms: SmsContent.optional(),
    mattermost: MattermostContent.optional(),
  })
  .openapi("TemplateChannels");

export const TemplateInput = z
  .strictObject({
    channels: TemplateChannels,
    /** Per-locale overrides; a subscriber whose locale is missing here gets `channels`. */
    locales: z.record(Locale, z.strictObject({ channels: TemplateChannels })).optional(),
    description: z.string().max(500).optional(),
  })
  .openapi("TemplateInput");

export const Template = TemplateInput.extend({ key: z.string(), version: z.number().int(), updatedAt: z.string() }).openapi("Template");

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

export type TemplateChannels = z.infer<typeof TemplateChannels>;
export type TemplateInput = z.infer<typeof TemplateInput>;
export type Template = z.infer<typeof Template>;
export type ChannelName = keyof TemplateChannels;
