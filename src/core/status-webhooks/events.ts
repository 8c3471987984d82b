import type { Preferences } from "../preferences.js";
import type { StatusEvent } from "./emitter.js";

/** What a delivery outcome reports: the delivery, its notification and event, and who it was for. */
export interface DeliveryFacts {
  deliveryId: string;
  notificationId: string;
  eventId: string;
  subscriberId: string;
  channel: string;
}

/**
 * The status event for a delivery that reached `status`: `sent` (the provider accepted it) and
 * `delivered` (the provider confirmed it) are `notification.delivered`; `failed` is
 * `notification.failed`; `dead` (retries used up) is `delivery.dead`. Ids are the delivery's and
 * the status, so a repeat of the same outcome queues nothing new.
 */
export function deliveryStatusEvent(facts: DeliveryFacts, status: "sent" | "delivered" | "failed" | "dead", at: number, error?: string): StatusEvent {
  const type = status === "failed" ? "notification.failed" : status === "dead" ? "delivery.dead" : "notification.delivered";
  return {
    id: `${facts.deliveryId}.${status}`,
    type,
    at,
    data: { notificationId: facts.notificationId, eventId: facts.eventId, subscriberId: facts.subscriberId, channel: facts.channel, status, deliveryId: facts.deliveryId, ...(error ? { error } : {}) },
  };
}

/** A notification seen, read or clicked: once per notification and kind (the first time counts). */
export function engagementEvent(what: "seen" | "read" | "clicked", n: { notificationId: string; eventId: string; subscriberId: string; channel: string | null }, at: number, extra: Record<string, unknown> = {}): StatusEvent {
  return {
    id: `${n.notificationId}.${what}`,
    type: `notification.${what}`,
    at,
    data: { notificationId: n.notificationId, eventId: n.eventId, subscriberId: n.subscriberId, channel: n.channel, status: what, ...extra },
  };
}

/**
 * `subscriber.unsubscribed` for each channel a preferences change turned off, overall or for one
 * category (`data.category`). `id` is unique per change.
 */
export function unsubscribedEvents(subscriberId: string, before: Preferences, after: Preferences, at: number, changeId: string, via: string): StatusEvent[] {
  const out: StatusEvent[] = [];
  const event = (channel: string | null, category: string | null): StatusEvent => ({
    id: `${changeId}.${category ?? "*"}.${channel ?? "*"}`,
    type: "subscriber.unsubscribed",
    at,
    data: { notificationId: null, eventId: null, subscriberId, channel, status: "unsubscribed", category, via },
  });
  for (const [channel, on] of Object.entries(after.channels ?? {})) if (on === false && before.channels?.[channel] !== false) out.push(event(channel, null));
  for (const [category, setting] of Object.entries(after.categories ?? {})) {
    const was = before.categories?.[category];
    if (setting === false && was !== false) out.push(event(null, category));
    else if (typeof setting === "object") {
      for (const [channel, on] of Object.entries(setting)) if (on === false && was !== false && (typeof was !== "object" || was[channel] !== false)) out.push(event(channel, category));
    }
  }
  return out;
}
