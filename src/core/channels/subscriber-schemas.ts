import { z } from "@hono/zod-openapi";
import { type Subscriber, type SubscriberInput, subscriberInputShape, subscriberShape } from "../schemas/subscriber.js";
import type { DeclaredAddress } from "./define.js";

/**
 * The subscriber API's schemas with the address fields channels declare (`addressField`): `PUT`
 * accepts each (validated by its schema, `null` clears it) and `GET` shows it, and the OpenAPI
 * document names the channel it serves. One call per app, like `templateSchemas`.
 */
export function subscriberSchemas(fields: readonly (DeclaredAddress & { channel: string })[]) {
  const input: Record<string, z.ZodType> = {};
  const output: Record<string, z.ZodType> = {};
  for (const f of fields) {
    input[f.field] = f.schema.nullable().optional().openapi({ description: `${f.description} (the ${f.channel} channel's address; null clears it)` });
    output[f.field] = z.string().nullable().openapi({ description: f.description });
  }
  return {
    // Typed as the fixed shape plus string fields: which keys exist is known only at run time.
    SubscriberInput: z.strictObject({ ...subscriberInputShape, ...input }).openapi("SubscriberInput") as unknown as z.ZodType<SubscriberInput & Record<string, string | null | undefined>>,
    Subscriber: z.object({ ...subscriberShape, ...output }).openapi("Subscriber") as unknown as z.ZodType<Subscriber & Record<string, unknown>>,
    /** The declared field names. */
    fields: fields.map((f) => f.field),
  };
}

export type SubscriberSchemas = ReturnType<typeof subscriberSchemas>;

const byRegistry = new WeakMap<object, SubscriberSchemas>();

/** `subscriberSchemas` for a registry's declared addresses, built once per registry. */
export function subscriberSchemasOf(registry: { addressFields(): (DeclaredAddress & { channel: string })[] }): SubscriberSchemas {
  let schemas = byRegistry.get(registry);
  if (!schemas) byRegistry.set(registry, (schemas = subscriberSchemas(registry.addressFields())));
  return schemas;
}
