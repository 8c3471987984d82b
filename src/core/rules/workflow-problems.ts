import type { FieldProblem } from "../errors.js";
import { MAX_STEP_DELAY_MS, parseDuration } from "../duration.js";
import type { RuleInput } from "../schemas/rule.js";

/** What the schema cannot check in a rule's `digest` and `throttle`: windows in range, a known channel. */
export function workflowProblems(rule: RuleInput, channelIds: string[]): FieldProblem[] {
  const found: FieldProblem[] = [];
  const window = (path: string, text: string) => {
    const ms = parseDuration(text) ?? 0;
    if (ms < 1000 || ms > MAX_STEP_DELAY_MS) found.push({ path, message: "between 1s and 30d" });
  };
  rule.steps.forEach((step, i) => {
    if (!step.digest) return;
    window(`steps.${i}.digest.window`, step.digest.window);
    if (step.fallback) found.push({ path: `steps.${i}.digest`, message: "a fallback step sends one message for one failure: it cannot collect a digest" });
  });
  if (rule.throttle) {
    window("throttle.window", rule.throttle.window);
    const channel = rule.throttle.channel;
    if (channel !== undefined && !rule.steps.some((s) => s.channel === channel)) found.push({ path: "throttle.channel", message: `no step of this rule sends on "${channel}"; its steps use ${[...new Set(rule.steps.map((s) => s.channel))].join(", ")}` });
    else if (channel !== undefined && !channelIds.includes(channel)) found.push({ path: "throttle.channel", message: `unknown channel "${channel}"` });
  }
  return found;
}
