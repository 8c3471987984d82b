import type { Condition, StepCondition } from "../schemas/rule.js";
import { readPath } from "./path.js";

/** True when every entry of a rule's `if` holds for the event (an empty or missing `if` always holds). */
export function matchesConditions(conditions: Condition | undefined, event: unknown): boolean {
  if (!conditions) return true;
  return Object.entries(conditions).every(([path, expected]) => holds(readPath(event, path), expected));
}

function holds(actual: unknown, expected: Condition[string]): boolean {
  if (expected === null || typeof expected !== "object") return actual === expected || (expected === null && actual === undefined);
  if ("in" in expected) return expected.in.some((v) => v === actual);
  if ("ne" in expected) return actual !== expected.ne;
  if ("exists" in expected) return (actual !== undefined && actual !== null) === expected.exists;
  if (typeof actual !== "number") return false;
  if ("gt" in expected) return actual > expected.gt;
  if ("gte" in expected) return actual >= expected.gte;
  if ("lt" in expected) return actual < expected.lt;
  if ("lte" in expected) return actual <= expected.lte;
  return false;
}

/**
 * A step's `if`: `and` / `or` / `not` around the rule-level conditions above (the same evaluator
 * for the leaves). The schema bounds the nesting, so this recursion is bounded too.
 */
export function matchesStepCondition(condition: StepCondition | undefined, doc: unknown): boolean {
  if (!condition) return true;
  const keys = Object.keys(condition);
  if (keys.length === 1) {
    const c = condition as Record<string, unknown>;
    if (keys[0] === "and" && Array.isArray(c.and)) return (c.and as StepCondition[]).every((part) => matchesStepCondition(part, doc));
    if (keys[0] === "or" && Array.isArray(c.or)) return (c.or as StepCondition[]).some((part) => matchesStepCondition(part, doc));
    if (keys[0] === "not" && c.not !== null && typeof c.not === "object" && !Array.isArray(c.not)) return !matchesStepCondition(c.not as StepCondition, doc);
  }
  return matchesConditions(condition as Condition, doc);
}
