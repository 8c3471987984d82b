import { z } from "@hono/zod-openapi";

/** Ids and keys chosen by the business app: printable, URL-safe, bounded. */
export const ExternalId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/, "use letters, digits and . _ : @ + - (starting with a letter or digit)");

export const TopicKey = ExternalId.openapi({ example: "order:1234" });

export { JSON_LIMITS, JsonObject } from "./json.js";

export const Duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration such as "500ms", "30s", "5m", "2h" or "1d"')
  .openapi({ example: "5m" });

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

export const Locale = z.string().max(35).refine(isLocale, "a BCP 47 language tag such as en or ru-RU").openapi({ example: "ru" });
export const TimeZone = z.string().max(64).refine(isTimeZone, "an IANA time zone such as Europe/Moscow").openapi({ example: "Europe/Moscow" });
export const E164 = z.string().regex(/^\+[1-9]\d{1,14}$/, "a phone number in E.164 form, such as +79161234567");

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");
