import type { DeliveryContext } from "../../store/repositories/deliveries.js";
import type { Store } from "../../store/index.js";
import { templateContext } from "../message-composer.js";
import type { StepCondition } from "../schemas/rule.js";
import { matchesStepCondition } from "./conditions.js";

/**
 * What a step's `if` reads, as it stands when the step runs: the event's `data` and `event`, the
 * `subscriber` (with `subscriber.data`), every step of the same notification
 * (`steps.<index>.status`, `steps.<index>.channel`) and `notification.seen` / `notification.read`
 * (reading implies seeing).
 */
export function stepConditionDocument(ctx: DeliveryContext, steps: { step: number; channel: string; status: string }[]) {
  const context = templateContext(ctx);
  const byIndex: ({ status: string; channel: string } | null)[] = [];
  for (const s of steps) byIndex[s.step] = { status: s.status, channel: s.channel };
  for (let i = 0; i < byIndex.length; i++) byIndex[i] ??= null;
  const read = ctx.notification.readAt !== null;
  return {
    data: context.data,
    subscriber: context.subscriber,
    event: context.event,
    steps: byIndex,
    notification: { id: ctx.notification.id, seen: read || ctx.notification.seenAt !== null, read },
  };
}

/** Whether a step whose rule gives it an `if` runs now (one query for the states of its notification's steps). */
export async function stepConditionHolds(store: Store, ctx: DeliveryContext, condition: StepCondition): Promise<boolean> {
  const steps = await store.workflow.stepStatuses(ctx.notification.id);
  return matchesStepCondition(condition, stepConditionDocument(ctx, steps));
}
