import type { DeliveryContext } from "../../store/repositories/deliveries.js";
import type { Store } from "../../store/index.js";
import type { MessagePolicy } from "../message-composer.js";
import type { JobOutcome } from "../outbox/worker.js";
import type { RuleInput, Step } from "../schemas/rule.js";
import { digestStep, type DigestView } from "./digest.js";
import { stepConditionHolds } from "./step-conditions.js";
import { throttleAdmits, throttledReason } from "./throttle.js";

/** Go on and send (a digest step with what its template sees), or the outcome that ends this run. */
export type GateResult = { send: true; digest?: DigestView } | { outcome: JobOutcome };

const PASS: GateResult = { send: true };

/** The rule step a delivery runs, from the rule as it is now; undefined for broadcasts, deleted rules, or a step the rule no longer has on that channel. */
export function ruleStep(rule: unknown, step: number, channel: string): { rule: RuleInput; step: Step } | undefined {
  const body = rule as RuleInput | undefined;
  const s = body?.steps?.[step];
  return s && s.channel === channel ? { rule: body!, step: s } : undefined;
}

/** Whether a step has a condition, digest or throttle to settle before it sends (so it is not sent inside the accepting commit). */
export function hasGates(rule: unknown, step: number): boolean {
  const body = rule as RuleInput | undefined;
  const s = body?.steps?.[step];
  const throttle = body?.throttle;
  // A throttle on another channel leaves this step alone (a chat rule capping push keeps in-app direct).
  const capped = throttle !== undefined && (throttle.channel === undefined || throttle.channel === s?.channel);
  return s?.if !== undefined || s?.digest !== undefined || capped;
}

/**
 * What runs between "this delivery is due" and the send: the step's `if` (over the state at this
 * moment), its `digest`, then the rule's `throttle`. A digest's member events end here; its
 * carrier is throttled once, as the one message it is. Steps with none of these cost nothing.
 */
export function createStepGates(store: Store) {
  return async function gate(ctx: DeliveryContext, policy: MessagePolicy, now: number): Promise<GateResult> {
    const found = ruleStep(ctx.rule?.body, ctx.delivery.step, ctx.delivery.channel);
    if (!found || (found.step.if === undefined && found.step.digest === undefined && found.rule.throttle === undefined)) return PASS;
    const { rule, step } = found;
    const cancel = (error: string): GateResult => ({ outcome: { done: [store.deliveries.outcomeStatement(ctx.delivery.id, { status: "cancelled", error, countAttempt: false }, now)] } });

    if (step.if !== undefined && !(await stepConditionHolds(store, ctx, step.if))) return cancel("condition not met");
    let digest: DigestView | undefined;
    if (step.digest) {
      const decision = await digestStep(store, ctx, step.digest, now);
      if ("joined" in decision) return cancel(`digested: in ${decision.joined}`);
      if ("empty" in decision) return cancel(`seen: every event of ${decision.empty} was seen`);
      if ("holdUntil" in decision) {
        const note = `digest: collecting ${decision.id} until ${new Date(decision.holdUntil).toISOString()}`;
        return { outcome: { retryAt: decision.holdUntil, statements: [store.deliveries.outcomeStatement(ctx.delivery.id, { status: "pending", error: note, countAttempt: false }, now)] } };
      }
      digest = decision.send;
    }
    if (rule.throttle && !policy.critical && !(await throttleAdmits(store, ctx, rule.throttle, policy.category, now))) return cancel(throttledReason(rule.throttle, ctx.delivery.channel));
    return digest ? { send: true, digest } : PASS;
  };
}
