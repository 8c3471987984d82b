import { z } from "@hono/zod-openapi";
import type { EventRow } from "../store/repositories/events.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import { JsonObject, TopicKey } from "./schemas/common.js";
import type { TemplateChannels } from "./schemas/template.js";
import type { AnyChannel } from "./channels/define.js";

/** Broadcasts are events of this reserved type; `POST /v1/events` refuses the `herald.` prefix. */
export const BROADCAST_EVENT = "herald.broadcast";
/** The audience "everyone" as a pseudo-topic: topic keys must start with a letter or digit. */
export const EVERYONE = "*";
/** Ad hoc broadcast content is stored as a template under this prefix (the admin UI hides such keys). */
export const AD_HOC_TEMPLATE_PREFIX = "herald.broadcast.";
/** Most subscribers a field-value audience may reach: their ids travel in the broadcast event. */
export const MAX_FIELD_AUDIENCE = 10_000;

const Text = (max: number) => z.string().max(max);
/** Content written for one broadcast, instead of a stored template; Handlebars like any template. */
export const AdHocContent = z
  .strictObject({
    title: Text(500).min(1),
    body: Text(4000).min(1),
    url: Text(2048).optional(),
    image: Text(2048).optional(),
    actions: z.array(z.strictObject({ action: Text(64).min(1), title: Text(200).min(1), url: Text(2048).optional() })).max(4).optional(),
  })
  .openapi("BroadcastContent");
export type AdHocContent = z.infer<typeof AdHocContent>;

const Scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
/** A subscriber column, or `data.<path>` in their data. */
const AudienceField = z
  .string()
  .regex(/^(locale|timezone|name|email|phone|data\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$/, "locale, timezone, name, email, phone or data.<path>");

export const BroadcastInput = z
  .strictObject({
    /** A stored template; or give `content` instead. */
    template: z.string().min(1).max(128).optional(),
    content: AdHocContent.optional(),
    audience: z.union([z.strictObject({ topic: TopicKey }), z.strictObject({ all: z.literal(true) }), z.strictObject({ field: AudienceField, value: Scalar })]),
    data: JsonObject.optional(),
    /** Channels to send on; all the template has content for (ad hoc: realtime and push) when left out. */
    channels: z.array(z.string().min(1).max(64)).min(1).max(10).optional(),
    /** The preference category subscribers can mute; `broadcasts` when left out. */
    category: z.string().min(1).max(64).optional(),
    /** Send later (at most 30 days ahead); now when left out. */
    sendAt: z.iso.datetime({ offset: true }).optional(),
  })
  .openapi("BroadcastInput");
export type BroadcastInput = z.infer<typeof BroadcastInput>;

export const BroadcastView = z
  .object({
    id: z.string(),
    status: z.enum(["planning", "scheduled", "sending", "done"]),
    total: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    /** Deliveries muted by preferences or cancelled (a subscriber erased meanwhile). */
    cancelled: z.number().int(),
    createdAt: z.string(),
    sendAt: z.string().nullable(),
  })
  .openapi("Broadcast");

/** What the broadcast route stores in the event: the input with its channels and audience resolved. */
export interface BroadcastBody {
  type: typeof BROADCAST_EVENT;
  topic?: string;
  data?: Record<string, unknown>;
  /** A field-value audience, resolved to ids when the broadcast was accepted. */
  subscribers?: string[];
  broadcast: { template: string; channels: string[]; category?: string; sendAt?: number };
}

/**
 * A broadcast plans like an event matched by one rule: this synthetic rule sends the template on
 * each chosen channel (side by side, not as fallbacks) to the audience, delayed until `sendAt`.
 */
export function broadcastRule(event: EventRow): RuleRecord {
  const body = event.body as BroadcastBody;
  const wait = Math.max(0, (body.broadcast.sendAt ?? 0) - event.receivedAt);
  return {
    id: "broadcast",
    enabled: true,
    updatedAt: event.receivedAt,
    body: {
      event: BROADCAST_EVENT,
      to: body.subscribers ? { subscriber: body.subscribers } : { topic: body.topic ?? EVERYONE },
      steps: body.broadcast.channels.map((channel) => ({ channel, template: body.broadcast.template, ...(wait > 0 ? { delay: `${wait}ms` } : {}) })),
    },
  };
}

/**
 * Progress from delivery counts: `planning` until recipients are known, `scheduled` while waiting
 * for `sendAt`, `sending` while any is pending.
 */
export function broadcastProgress(plannedAt: number | null, counts: { status: string; n: number }[], timing: { sendAt?: number; now?: number } = {}) {
  const sum = (...statuses: string[]) => counts.filter((c) => statuses.includes(c.status)).reduce((a, c) => a + c.n, 0);
  const pending = sum("pending", "waiting");
  const waiting = timing.sendAt !== undefined && timing.now !== undefined && timing.sendAt > timing.now;
  return {
    status: plannedAt === null ? ("planning" as const) : pending > 0 ? (waiting ? ("scheduled" as const) : ("sending" as const)) : ("done" as const),
    total: counts.reduce((a, c) => a + c.n, 0),
    sent: sum("sent", "delivered"),
    failed: sum("failed", "dead"),
    pending,
    cancelled: sum("cancelled"),
  };
}

/** Ad hoc content in the shape of each chosen channel (its declaration's `broadcast.content`). */
export function adHocTemplate(content: AdHocContent, channels: string[], channelById: (id: string) => AnyChannel | undefined): TemplateChannels {
  const out: TemplateChannels = {};
  for (const id of channels) {
    const shape = channelById(id)?.broadcast?.content;
    if (shape) out[id] = shape(content) as TemplateChannels[string];
  }
  return out;
}

/** Channels ad hoc content can be sent on, and those it goes to when a broadcast names none. */
export function adHocChannels(definitions: readonly AnyChannel[]): { available: string[]; byDefault: string[] } {
  const able = definitions.filter((d) => d.broadcast);
  return { available: able.map((d) => d.id), byDefault: able.filter((d) => d.broadcast!.byDefault).map((d) => d.id) };
}
