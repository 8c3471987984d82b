import { z } from "@hono/zod-openapi";

/** What a business app can subscribe an endpoint to. */
export const STATUS_EVENT_TYPES = [
  "notification.delivered",
  "notification.failed",
  "notification.seen",
  "notification.read",
  "notification.clicked",
  "delivery.dead",
  "subscriber.unsubscribed",
] as const;

export const StatusEventType = z.enum(STATUS_EVENT_TYPES).openapi("StatusEventType");
export type StatusEventType = z.infer<typeof StatusEventType>;

/** Endpoints one Herald keeps at most: each status event is one message (and job) per endpoint. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

export const WebhookEndpointInput = z
  .strictObject({
    url: z.string().max(2048).openapi({ example: "https://shop.example/herald-events" }),
    events: z.array(StatusEventType).min(1).max(STATUS_EVENT_TYPES.length),
  })
  .openapi("WebhookEndpointInput");
export type WebhookEndpointInput = z.infer<typeof WebhookEndpointInput>;

export const WebhookEndpoint = z
  .object({ id: z.string(), url: z.string(), events: z.array(StatusEventType), createdAt: z.string() })
  .openapi("WebhookEndpoint");
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookEndpointCreated = WebhookEndpoint.extend({
  secret: z.string().openapi({ description: "Standard Webhooks signing secret (`whsec_…`); shown only in this answer", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
}).openapi("WebhookEndpointCreated");

/** What `data` of a status event holds; extra fields per type (e.g. `action` of a click, `error` of a failure). */
export const StatusEventData = z
  .object({
    notificationId: z.string().nullable(),
    eventId: z.string().nullable(),
    subscriberId: z.string(),
    channel: z.string().nullable(),
    status: z.string(),
  })
  .catchall(z.unknown())
  .openapi("StatusEventData");
export type StatusEventData = z.infer<typeof StatusEventData>;

/** The JSON body of every status webhook call (the webhook-id header carries the event's id). */
export const StatusEventBody = z.object({ type: StatusEventType, timestamp: z.string(), data: StatusEventData }).openapi("StatusEventBody");
