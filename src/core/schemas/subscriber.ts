import { z } from "@hono/zod-openapi";
import { E164, JsonObject, Locale, TimeZone } from "./common.js";

/** `PUT /v1/subscribers/{id}`: fields given overwrite, fields left out stay, `null` clears. */
export const SubscriberInput = z
  .strictObject({
    name: z.string().max(200).nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    phone: E164.nullable().optional(),
    locale: Locale.nullable().optional(),
    timezone: TimeZone.nullable().optional(),
    data: JsonObject.nullable().optional(),
  })
  .openapi("SubscriberInput");

export const Subscriber = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
    data: JsonObject.nullable(),
    topics: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Subscriber");

export type SubscriberInput = z.infer<typeof SubscriberInput>;
export type Subscriber = z.infer<typeof Subscriber>;
