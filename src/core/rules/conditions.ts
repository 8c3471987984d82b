import type { Condition } from "../schemas/rule.js";
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
