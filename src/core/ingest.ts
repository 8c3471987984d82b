import type { Store } from "../store/index.js";
import { createGroupCommit } from "../store/group-commit.js";
import { writeAll } from "../store/db.js";
import type { AcceptedEvent } from "../store/repositories/events.js";
import type { Metrics } from "./metrics.js";

/**
 * Accepting events: each request waits until its event and the job that plans it are committed
 * (durable), and concurrent requests share commits. The callback wakes the outbox.
 */
export function createIngest(store: Store, metrics: Metrics, onCommitted: () => void) {
  const commits = createGroupCommit<AcceptedEvent>(async (events) => {
    await writeAll(store.db, store.events.acceptStatements(events));
    metrics.eventsAccepted(events.length);
    onCommitted();
  });
  return { accept: (event: AcceptedEvent) => commits.submit(event), flushed: () => commits.flushed() };
}
