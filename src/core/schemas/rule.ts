import { z } from "@hono/zod-openapi";
import { Duration } from "./common.js";

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Operator = z.union([
  z.strictObject({ in: z.array(Scalar).max(1000) }),
  z.strictObject({ ne: Scalar }),
  z.strictObject({ exists: z.boolean() }),
  z.strictObject({ gt: z.number() }),
  z.strictObject({ gte: z.number() }),
  z.strictObject({ lt: z.number() }),
  z.strictObject({ lte: z.number() }),
]);
/** `if`: dotted path of the event (e.g. `data.status`) → a value to equal, or an operator object. */
export const Condition = z.record(z.string().min(1).max(200), z.union([Scalar, Operator])).openapi("Condition");

const Target = z.string().min(1).max(256);
/** Recipients; `{{path}}` placeholders are filled from the event. */
export const Recipients = z
  .union([z.strictObject({ subscriber: z.union([Target, z.array(Target).min(1).max(1000)]) }), z.strictObject({ topic: Target })])
  .openapi("Recipients");

export const Step = z
  .strictObject({
    channel: z.string().min(1).max(64),
    template: z.string().min(1).max(128),
    delay: Duration.optional(),
    after: Duration.optional(),
    unlessSeen: z.boolean().optional(),
    fallback: z.boolean().optional(),
  })
  .openapi("Step");

export const RuleInput = z
  .strictObject({
    event: z.string().min(1).max(128),
    if: Condition.optional(),
    to: Recipients.optional(),
    steps: z.array(Step).min(1).max(10),
    critical: z.boolean().optional(),
    enabled: z.boolean().optional(),
    category: z.string().max(64).optional(),
    description: z.string().max(500).optional(),
  })
  .openapi("RuleInput");

export const Rule = RuleInput.extend({ id: z.string(), enabled: z.boolean(), updatedAt: z.string() }).openapi("Rule");

export type Condition = z.infer<typeof Condition>;
export type Recipients = z.infer<typeof Recipients>;
export type Step = z.infer<typeof Step>;
export type RuleInput = z.infer<typeof RuleInput>;
export type Rule = z.infer<typeof Rule>;
