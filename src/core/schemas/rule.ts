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

/** `and` / `or` / `not` over conditions; nesting is bounded (three levels) so evaluation is too. */
function combinable<T extends z.ZodType>(inner: T) {
  return z.union([
    z.strictObject({ and: z.array(inner).min(1).max(10) }),
    z.strictObject({ or: z.array(inner).min(1).max(10) }),
    z.strictObject({ not: inner }),
    Condition,
  ]);
}
/**
 * A step's `if`: the rule-level operators over `data`, `subscriber` (with `subscriber.data`), `event`,
 * `steps.<index>.status` and `notification.seen` / `notification.read`, combined with `and`, `or`
 * and `not` (reserved keys). Evaluated when the step runs, not when it is planned.
 */
export const StepCondition = combinable(combinable(combinable(Condition)))
  .openapi("StepCondition", { example: { and: [{ "subscriber.data.vip": true }, { "steps.0.status": { in: ["failed", "dead"] } }] } });

/**
 * Collects the events that reach one subscriber with the same `key` and sends one message per
 * window. The window is fixed: it opens with the first event and closes `window` later.
 */
export const Digest = z
  .strictObject({
    window: Duration.openapi({ description: "Fixed window: opens with the first event, the digest is sent when it ends (1s to 30d)." }),
    key: z.string().min(1).max(200).optional().openapi({ description: "One digest per key; `{{path}}` placeholders are filled from the event, e.g. `{{data.ticketId}}`." }),
    max: z.number().int().min(1).max(100).optional().openapi({ description: "How many events (the newest) the template sees in `digest.events` (default 50); `digest.count` counts all." }),
    until: z.literal("seen").optional().openapi({ description: "Events seen or read by the end of the window leave the digest; none left, nothing is sent." }),
  })
  .openapi("Digest");

/** At most `limit` messages per subscriber and category (or rule) per `window`, on `channel` or on each channel. */
export const Throttle = z
  .strictObject({
    limit: z.number().int().min(1).max(10_000).openapi({ description: "Messages let through per subscriber and category (or rule) per window." }),
    window: Duration.openapi({ description: "Sliding window (1s to 30d)." }),
    channel: z.string().min(1).max(64).optional().openapi({ description: "Only this channel's steps are capped; without it, each channel is capped on its own." }),
  })
  .openapi("Throttle");

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
    if: StepCondition.optional().openapi({ description: "Evaluated when the step runs; false ends the step `cancelled` (`condition not met`)." }),
    digest: Digest.optional().openapi({ description: "Collect this subscriber's events for this step and key; one message per window." }),
  })
  .openapi("Step");

export const RuleInput = z
  .strictObject({
    event: z.string().min(1).max(128),
    if: Condition.optional(),
    to: Recipients.optional(),
    steps: z.array(Step).min(1).max(10),
    critical: z.boolean().optional(),
    /** Frequency cap; critical rules are exempt. Over the cap a message is cancelled (`throttled`). */
    throttle: Throttle.optional().openapi({ description: "Frequency cap; over it a delivery ends `cancelled` (`throttled: …`). Critical rules are exempt." }),
    enabled: z.boolean().optional(),
    category: z.string().max(64).optional(),
    description: z.string().max(500).optional(),
  })
  .openapi("RuleInput");

export const Rule = RuleInput.extend({ id: z.string(), enabled: z.boolean(), updatedAt: z.string() }).openapi("Rule");

export type Condition = z.infer<typeof Condition>;
export type StepCondition = z.infer<typeof StepCondition>;
export type Digest = z.infer<typeof Digest>;
export type Throttle = z.infer<typeof Throttle>;
export type Recipients = z.infer<typeof Recipients>;
export type Step = z.infer<typeof Step>;
export type RuleInput = z.infer<typeof RuleInput>;
export type Rule = z.infer<typeof Rule>;
