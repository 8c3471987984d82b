import { z } from "@hono/zod-openapi";
import { E164, JsonObject, Locale, TimeZone } from "./common.js";

/**
 * The fixed fields of `PUT /v1/subscribers/{id}`. The API's schema adds the address fields channels
 * declare (core/channels/subscriber-schemas.ts), so it is built from this shape, not extended from a
 * named schema (which OpenAPI would render as a reference to itself).
 */
export const subscriberInputShape = {
  name: z.string().max(200).nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  phone: E164.nullable().optional(),
  locale: Locale.nullable().optional(),
  timezone: TimeZone.nullable().optional(),
  data: JsonObject.nullable().optional(),
};

/** The fixed fields of a subscriber as the API shows them. */
export const subscriberShape = {
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
};

/** `PUT /v1/subscribers/{id}`: fields given overwrite, fields left out stay, `null` clears. */
export const SubscriberInput = z.strictObject(subscriberInputShape);

export const Subscriber = z.object(subscriberShape);

export type SubscriberInput = z.infer<typeof SubscriberInput>;
export type Subscriber = z.infer<typeof Subscriber>;
