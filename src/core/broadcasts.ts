import { z } from "@hono/zod-openapi";
import type { EventRow } from "../store/repositories/events.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import { JsonObject, TopicKey } from "./schemas/common.js";

/** Broadcasts are events of this reserved type; `POST /v1/events` refuses the `herald.` prefix. */
export const BROADCAST_EVENT = "herald.broadcast";
/** The audience "everyone" as a pseudo-topic: topic keys must start with a letter or digit. */
export const EVERYONE = "*";

export const BroadcastInput = z
  .strictObject({
    template: z.string().min(1).max(128),
    audience: z.union([z.strictObject({ topic: TopicKey }), z.strictObject({ all: z.literal(true) })]),
    data: JsonObject.optional(),
    /** Channels to send on; all the template has content for when left out. */
    channels: z.array(z.string().min(1).max(64)).min(1).max(10).optional(),
  })
  .openapi("BroadcastInput");
export type BroadcastInput = z.infer<typeof BroadcastInput>;

export const BroadcastView = z
  .object({
    id: z.string(),
    status: z.enum(["planning", "sending", "done"]),
    total: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("Broadcast");

/** What the broadcast route stores in the event: the input with its channels resolved. */
export interface BroadcastBody {
  type: typeof BROADCAST_EVENT;
  topic?: string;
  data?: Record<string, unknown>;
  broadcast: { template: string; channels: string[] };
}

/**
 * A broadcast plans like an event matched by one rule: this synthetic rule sends the template on
 * each chosen channel (side by side, not as fallbacks) to the audience.
 */
export function broadcastRule(event: EventRow): RuleRecord {
  const body = event.body as BroadcastBody;
  return {
    id: "broadcast",
    enabled: true,
    updatedAt: event.receivedAt,
    body: {
      event: BROADCAST_EVENT,
      to: { topic: body.topic ?? EVERYONE },
      steps: body.broadcast.channels.map((channel) => ({ channel, template: body.broadcast.template })),
    },
  };
}

/** Progress from delivery counts: `planning` until recipients are known, `sending` while any is pending. */
export function broadcastProgress(plannedAt: number | null, counts: { status: string; n: number }[]) {
  const sum = (...statuses: string[]) => counts.filter((c) => statuses.includes(c.status)).reduce((a, c) => a + c.n, 0);
  const pending = sum("pending", "waiting");
  return {
    status: plannedAt === null ? ("planning" as const) : pending > 0 ? ("sending" as const) : ("done" as const),
    total: counts.reduce((a, c) => a + c.n, 0),
    sent: sum("sent", "delivered"),
    failed: sum("failed", "dead"),
    pending,
  };
}
