import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import type { DeliveryRow } from "../store/repositories/deliveries.js";

/**
 * The step right after a failed one, if the rule marked it `fallback`, becomes due now. Used when a
 * send fails for good and when a provider later reports that a sent message never arrived.
 */
export async function fallbackStatements(
  store: Store,
  notificationId: string,
  failedStep: number,
  now: number,
  /** The waiting step after a failed one, batched with others failing at once (delivery.ts); one query each without it. */
  nextWaiting: (notificationId: string, step: number) => Promise<DeliveryRow | undefined> = (n, s) => store.deliveries.nextWaiting(n, s),
): Promise<{ channel: string; statements: BatchItem<"sqlite">[] } | undefined> {
  const next = await nextWaiting(notificationId, failedStep);
  if (!next) return undefined;
  return {
    channel: next.channel,
    statements: [
      store.deliveries.outcomeStatement(next.id, { status: "pending", countAttempt: false }, now),
      store.outbox.insertStatement({ id: `deliver:${next.id}`, kind: "deliver", ref: next.id, runAt: now, createdAt: now }),
    ],
  };
}
