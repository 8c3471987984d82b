import { z } from "@hono/zod-openapi";

/**
 * Limits on free-form JSON a caller hands in (event `data`, subscriber `data`, broadcast `data`,
 * room message `data`, template preview samples). Every such field is a `JsonObject`, so they hold
 * everywhere alike.
 * - depth 32: deep enough for any real document (Elasticsearch stops at 20), far below SQLite's JSON
 *   parser (1,000 levels: past it the whole commit failed) and the recursion of JSON.stringify and
 *   template lookups (about 10,000 levels overflow V8's stack);
 * - 2,000 keys, counted over every object inside: an order with 200 line items of 8 fields fits,
 *   while no request can make a template or rule walk tens of thousands of keys;
 * - 64 KiB as JSON (UTF-8): 16 web push payloads; data is stored with every event and read again
 *   for every delivery, and D1 stores at most 2 MB per value.
 */
export const JSON_LIMITS = { maxDepth: 32, maxKeys: 2000, maxBytes: 64 * 1024 } as const;

export type JsonLimits = { maxDepth: number; maxKeys: number; maxBytes: number };

/**
 * What makes `value` break a limit, or undefined when it keeps them. Walks with its own stack (not
 * recursion) and stops at the first level past the limit, so a body nested 100,000 deep costs no
 * more than one nested 33 deep; the size is measured only once the depth is known to be safe.
 */
export function jsonLimitProblem(value: unknown, limits: JsonLimits = JSON_LIMITS): string | undefined {
  let keys = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.value === null || typeof next.value !== "object") continue;
    if (next.depth > limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    if (!Array.isArray(next.value)) {
      keys += children.length;
      if (keys > limits.maxKeys) return `has more than ${limits.maxKeys} keys (counted over every object inside)`;
    }
    for (const child of children) stack.push({ value: child, depth: next.depth + 1 });
  }
  const text = JSON.stringify(value);
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: encode only when that could exceed.
  const bytes = text.length * 3 <= limits.maxBytes ? text.length : new TextEncoder().encode(text).byteLength;
  if (bytes > limits.maxBytes) return `is ${bytes} bytes as JSON; at most ${limits.maxBytes}`;
  return undefined;
}

const LIMITS_TEXT = `at most ${JSON_LIMITS.maxDepth} levels deep, ${JSON_LIMITS.maxKeys} keys in all and ${JSON_LIMITS.maxBytes / 1024} KiB as JSON`;

/**
 * A free-form JSON object supplied by the caller, within `JSON_LIMITS`; anything past them is a 400
 * naming the field.
 */
export const JsonObject = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const problem = jsonLimitProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi("JsonObject", { description: `Free-form JSON object, ${LIMITS_TEXT}.` });
