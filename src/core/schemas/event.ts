import { z } from "@hono/zod-openapi";
import { ExternalId, JsonObject, TopicKey } from "./common.js";

export const EventInput = z
  .strictObject({
    type: z.string().min(1).max(128).openapi({ example: "order.status_changed" }),
    id: ExternalId.optional().openapi({ description: "Idempotency key: the same id again is accepted once." }),
    to: z.union([ExternalId, z.array(ExternalId).min(1).max(1000)]).optional(),
    topic: TopicKey.optional(),
    data: JsonObject.optional(),
  })
  .openapi("EventInput");

export const EventAccepted = z.object({ id: z.string() }).openapi("EventAccepted");

export const AttemptView = z
  .object({
    n: z.number().int().openapi({ description: "Counts from 1; a Retry from the admin UI goes on counting" }),
    at: z.string().openapi({ description: "When the provider answered (or the call gave up)" }),
    outcome: z.enum(["sent", "retry", "failed", "dead"]).openapi({ description: "`retry`: another attempt was scheduled; `dead`: attempts used up" }),
    code: z.string().nullable().openapi({ description: "The failure's code (`http_500`, `timeout`, …); null when sent" }),
    answer: z.string().nullable().openapi({ description: "The provider's answer, up to 500 characters; null when sent" }),
    provider: z.string().openapi({ description: "Who answered: the channel, or its provider when it has several (`smtp`, `resend`)" }),
    providerMessageId: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .openapi("DeliveryAttempt");

export const DeliveryView = z.object({
  id: z.string(),
  step: z.number().int(),
  channel: z.string(),
  template: z.string(),
  status: z.enum(["pending", "waiting", "sent", "delivered", "failed", "dead", "cancelled"]),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  provider: z.string().optional().openapi({ description: "For a channel with several providers (EMAIL_PROVIDERS, SMS_PROVIDERS): the one that answered the last attempt" }),
  updatedAt: z.string(),
  /** Each send, oldest first (the newest 40 are kept). */
  attemptLog: z.array(AttemptView),
});

export const NotificationView = z.object({
  id: z.string(),
  ruleId: z.string(),
  subscriberId: z.string(),
  createdAt: z.string(),
  seenAt: z.string().nullable(),
  readAt: z.string().nullable(),
  /** When the subscriber first clicked the notification (push, inbox), and which action. */
  clickedAt: z.string().nullable(),
  clickAction: z.string().nullable(),
  deliveries: z.array(DeliveryView),
});

export const EventView = z
  .object({
    id: z.string(),
    type: z.string(),
    to: z.union([z.string(), z.array(z.string())]).optional(),
    topic: z.string().optional(),
    data: JsonObject.optional(),
    receivedAt: z.string(),
    status: z.enum(["accepted", "planned"]),
    notifications: z.array(NotificationView),
    /** All the event's notifications, of which `notifications` is one page. */
    notificationCount: z.number().int().optional(),
    /** Cursor of the next page of notifications (`?after=`); null on the last page. */
    next: z.string().nullable().optional(),
  })
  .openapi("Event");

export type EventInput = z.infer<typeof EventInput>;
export type EventView = z.infer<typeof EventView>;
export type DeliveryView = z.infer<typeof DeliveryView>;
