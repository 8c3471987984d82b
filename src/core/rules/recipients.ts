import type { EventInput } from "../schemas/event.js";
import type { Recipients } from "../schemas/rule.js";
import { fillPlaceholders } from "./path.js";

/** Where a rule sends: explicit subscriber ids, or the members of one topic. */
export type Audience = { subscribers: string[] } | { topic: string } | { none: string };

/**
 * Resolves a rule's `to` against the event, defaulting to the event's own `to` (one id or a list)
 * or `topic`. Ids that come out empty after placeholders are dropped; duplicates are removed.
 */
export function resolveAudience(to: Recipients | undefined, event: EventInput): Audience {
  if (!to) {
    if (event.to !== undefined) return { subscribers: unique(Array.isArray(event.to) ? event.to : [event.to]) };
    if (event.topic) return { topic: event.topic };
    return { none: "the rule has no `to` and the event names neither `to` nor `topic`" };
  }
  if ("topic" in to) {
    const topic = fillPlaceholders(to.topic, event);
    return typeof topic === "string" && topic !== "" ? { topic } : { none: `topic "${to.topic}" resolved to nothing` };
  }
  const raw = (Array.isArray(to.subscriber) ? to.subscriber : [to.subscriber]).flatMap((t) => {
    const v = fillPlaceholders(t, event);
    return Array.isArray(v) ? v : [v];
  });
  const ids = unique(raw.filter((v): v is string | number => (typeof v === "string" && v !== "") || typeof v === "number").map(String));
  return ids.length > 0 ? { subscribers: ids } : { none: "subscriber placeholders resolved to nothing" };
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
