import { sha256 } from "@noble/hashes/sha2.js";
import type { DeliveryContext } from "../../store/repositories/deliveries.js";
import type { Store } from "../../store/index.js";
import { toHex, utf8 } from "../../lib/encoding.js";
import { parseDuration } from "../duration.js";
import type { Throttle } from "../schemas/rule.js";

/**
 * A rule's `throttle`: at most `limit` messages per subscriber and category (the rule's
 * `category`, else the rule id) per `window`, counted per channel (only on `channel` when given).
 * The window slides: a message counts for `window` after it was let through.
 *
 * Over the cap the message is cancelled (status `cancelled`, error `throttled: …`) rather than
 * folded into a later digest: a cap says "this subscriber has had enough of these", and a message
 * that would be sent later anyway is one the rule can ask for with a `digest` step. A slot is taken
 * when the send starts; a send that then fails for good still counts.
 */
export async function throttleAdmits(store: Store, ctx: DeliveryContext, throttle: Throttle, category: string, now: number): Promise<boolean> {
  if (throttle.channel !== undefined && throttle.channel !== ctx.delivery.channel) return true;
  const windowMs = parseDuration(throttle.window) ?? 0;
  const scope = toHex(sha256(utf8(JSON.stringify([ctx.notification.subscriberId, category, ctx.delivery.channel])))).slice(0, 32);
  return store.workflow.takeSlot({ deliveryId: ctx.delivery.id, scope, subscriberId: ctx.notification.subscriberId, now, windowMs, limit: throttle.limit });
}

/** The status text of a throttled delivery. */
export function throttledReason(throttle: Throttle, channel: string): string {
  return `throttled: at most ${throttle.limit} per ${throttle.window} on ${channel}`;
}
