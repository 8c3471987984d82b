import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";

/**
 * The step right after a failed one, if the rule marked it `fallback`, becomes due now. Used when a
 * send fails for good and when a provider later reports that a sent message never arrived.
 */
export async function fallbackStatements(store: Store, notificationId: string, failedStep: number, now: number): Promise<{ channel: string; statements: BatchItem<"sqlite">[] } | undefined> {
  const next = await store.deliveries.nextWaiting(notificationId, failedStep);
  if (!next) return undefined;
  return {
    channel: next.channel,
    statements: [
      store.deliveries.outcomeStatement(next.id, { status: "pending", countAttempt: false }, now),
      store.outbox.insertStatement({ id: `deliver:${next.id}`, kind: "deliver", ref: next.id, runAt: now, createdAt: now }),
    ],
  };
}
