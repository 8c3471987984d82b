import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../lib/encoding.js";

/** A new random id with a readable prefix, e.g. `evt_3f2a…`. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, "")}`;
}

/**
 * The id of the notification one rule makes for one subscriber from one event. Derived, not random,
 * so planning the same event twice (a retried or duplicated plan) writes the same rows and
 * `INSERT … ON CONFLICT DO NOTHING` keeps exactly one of each.
 * It starts with the event's arrival time so that new rows land at the end of the primary-key
 * B-tree (random keys halve insert throughput, measured in bench/README.md), then 96 bits of
 * SHA-256: in JavaScript (@noble/hashes) rather than WebCrypto, which costs a thread hop in Node.
 */
export function notificationId(eventId: string, ruleId: string, subscriberId: string, eventReceivedAt: number): string {
  const time = Math.max(0, Math.floor(eventReceivedAt)).toString(36).padStart(9, "0");
  return `ntf_${time}${toHex(sha256(utf8(JSON.stringify([eventId, ruleId, subscriberId])))).slice(0, 24)}`;
}

/** A delivery is one step of a notification: its id is the notification's plus the step number. */
export function deliveryId(notificationId: string, step: number): string {
  return `dlv_${notificationId.slice(4)}_${step}`;
}
