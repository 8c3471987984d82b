import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import type { WebhookResult } from "./channels/define.js";
import type { Clock } from "./clock.js";
import { fallbackStatements } from "./fallback.js";
import type { Logger } from "./logger.js";
import type { StatusEvent, StatusEvents } from "./status-webhooks/emitter.js";
import { deliveryStatusEvent } from "./status-webhooks/events.js";

/**
 * Applies what a provider reported through a channel webhook: `delivered` upgrades a sent delivery,
 * `failed` marks it failed and starts the rule's fallback step, and undeliverable addresses are
 * suppressed for that channel. Reports for unknown ids are ignored (another Herald, or old).
 */
export function createProviderReports(deps: { store: Store; clock: Clock; logger: Logger; wake: () => void; statusEvents?: StatusEvents }) {
  const { store, clock, logger } = deps;
  const facts = async (delivery: { id: string; notificationId: string; channel: string }) => {
    const n = await store.webhookEndpoints.notification(delivery.notificationId);
    return { deliveryId: delivery.id, notificationId: delivery.notificationId, eventId: n?.eventId ?? "", subscriberId: n?.subscriberId ?? "", channel: delivery.channel };
  };
  return async function apply(channel: string, result: Pick<WebhookResult, "reports" | "undeliverable">): Promise<void> {
    const now = clock.now();
    if (result.undeliverable?.length) {
      await store.suppressions.add(channel, result.undeliverable, now);
      logger.log("warn", "addresses suppressed", { channel, count: result.undeliverable.length });
    }
    if (!result.reports?.length) return;
    const found = await store.deliveries.byProviderMessage(channel, result.reports.map((r) => r.providerMessageId));
    const statements: BatchItem<"sqlite">[] = [];
    const statusEvents: StatusEvent[] = [];
    let startedFallback = false;
    for (const report of result.reports) {
      const delivery = found.get(report.providerMessageId);
      // Only a send we recorded as sent can change; callbacks arrive out of order and more than once.
      if (!delivery || (delivery.status !== "sent" && !(delivery.status === "delivered" && report.status === "failed"))) continue;
      if (report.status === "delivered") {
        if (delivery.status === "sent") {
          statements.push(store.deliveries.outcomeStatement(delivery.id, { status: "delivered", countAttempt: false }, now));
          statusEvents.push(deliveryStatusEvent(await facts(delivery), "delivered", now));
        }
        continue;
      }
      statements.push(store.deliveries.outcomeStatement(delivery.id, { status: "failed", error: `provider: ${report.reason ?? "not delivered"}`, countAttempt: false }, now));
      statusEvents.push(deliveryStatusEvent(await facts(delivery), "failed", now, `provider: ${report.reason ?? "not delivered"}`));
      const fallback = await fallbackStatements(store, delivery.notificationId, delivery.step, now);
      if (fallback) {
        statements.push(...fallback.statements);
        startedFallback = true;
        logger.log("info", "fallback started", { notification: delivery.notificationId, from: channel, to: fallback.channel, reason: report.reason });
      }
    }
    statements.push(...((await deps.statusEvents?.statements(statusEvents)) ?? []));
    await store.write(statements);
    if (startedFallback || statusEvents.length > 0) deps.wake();
  };
}
