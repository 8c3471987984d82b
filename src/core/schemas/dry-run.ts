import { z } from "@hono/zod-openapi";
import { StepCondition, Throttle } from "./rule.js";

/** One step of a rule as a dry run shows it. */
export const DryRunStep = z
  .object({
    step: z.number().int(),
    channel: z.string(),
    template: z.string(),
    /** How long after planning the step runs (its `delay` plus its `after`); 0 without recipients and for fallback steps. */
    waitMs: z.number().int(),
    fallback: z.boolean(),
    condition: StepCondition.optional().openapi({ description: "The step's `if`, judged when the step runs (over the steps before it), so shown, not judged." }),
    digest: z
      .object({ window: z.string(), key: z.string(), max: z.number().int().optional(), until: z.literal("seen").optional() })
      .optional()
      .openapi({ description: "A digest step: its window and this event's key; the message renders this event as a digest of one." }),
  })
  .openapi("DryRunStep");

/** A message the dry run rendered for one of the sampled recipients, or why nothing would be sent. */
export const DryRunMessage = z
  .object({
    subscriberId: z.string(),
    channel: z.string(),
    template: z.string(),
    content: z.record(z.string(), z.unknown()).optional(),
    error: z.string().optional(),
    warnings: z.array(z.object({ path: z.string(), message: z.string() })).optional().openapi({ description: "Placeholders the template names that this event and subscriber leave empty." }),
  })
  .openapi("DryRunMessage");

/**
 * What one rule of the event's type would do. The audience is counted, never loaded: `recipients`
 * is its size, `sample` the first recipients in id order, and `sampled` says the sample is only a
 * part of them.
 */
export const DryRunRule = z
  .object({
    id: z.string(),
    enabled: z.boolean(),
    matched: z.boolean(),
    reason: z.string().optional().openapi({ description: "Why a rule sends nothing: disabled, its `if` is false, or its recipients resolve to nobody." }),
    recipients: z.number().int().openapi({ description: "How many subscribers the rule would notify (a topic's members, counted)." }),
    sample: z.array(z.string()).openapi({ description: "The first recipients (at most 20, in id order for a topic)." }),
    sampled: z.boolean().openapi({ description: "True when `sample` lists only some of the recipients." }),
    steps: z.array(DryRunStep),
    throttle: Throttle.optional().openapi({ description: "The rule's frequency cap, checked when each message is sent (not here: a dry run takes no slot)." }),
    messages: z.array(DryRunMessage).openapi({ description: "Messages rendered for the first recipients (at most 10 in all)." }),
  })
  .openapi("DryRunRule");

export const DryRunResult = z.object({ rules: z.array(DryRunRule).openapi({ description: "One entry per rule for the event's type" }) }).openapi("DryRunResult");

export type DryRunStep = z.infer<typeof DryRunStep>;
export type DryRunMessage = z.infer<typeof DryRunMessage>;
export type DryRunRule = z.infer<typeof DryRunRule>;
