import { sha256Hex } from "./encoding.js";

/** A new random id with a readable prefix, e.g. `evt_3f2a…`. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, "")}`;
}

/**
 * The id of the notification one rule makes for one subscriber from one event. Derived, not random,
 * so planning the same event twice (a retried or duplicated plan job) writes the same rows and
 * `INSERT … ON CONFLICT DO NOTHING` keeps exactly one of each.
 */
export async function notificationId(eventId: string, ruleId: string, subscriberId: string): Promise<string> {
  const digest = await sha256Hex(JSON.stringify([eventId, ruleId, subscriberId]));
  return `ntf_${digest.slice(0, 32)}`;
}

/** A delivery is one step of a notification: its id is the notification's plus the step number. */
export function deliveryId(notificationId: string, step: number): string {
  return `dlv_${notificationId.slice(4)}_${step}`;
}
