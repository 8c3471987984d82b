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
});

export const NotificationView = z.object({
  id: z.string(),
  ruleId: z.string(),
  subscriberId: z.string(),
  createdAt: z.string(),
  seenAt: z.string().nullable(),
  readAt: z.string().nullable(),
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
