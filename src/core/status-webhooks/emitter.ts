import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../../store/index.js";
import { ttlCache } from "../cache.js";
import type { Clock } from "../clock.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { StatusEventData, StatusEventType } from "./schemas.js";
import { engagementEvent } from "./events.js";

/** What a subscriber did with a notification, as its status event names it (`notification.<kind>`). */
export type Engagement = "seen" | "read" | "clicked";

/** One thing that happened to a notification or subscriber, for the endpoints that asked for its type. */
export interface StatusEvent {
  /**
   * Stable for the same happening (`<delivery id>.sent`, `<notification id>.seen`): it is the
   * `webhook-id`, and a repeat (a retried job, a second "seen") queues nothing new.
   */
  id: string;
  type: StatusEventType;
  /** When it happened, ms. */
  at: number;
  data: StatusEventData;
}

/** A body is ids (bounded by their schemas), a status and at most this much error text: a few hundred bytes, never more than ~2 KB. */
const MAX_ERROR_CHARS = 500;

export interface StatusEvents {
  /** Statements that queue `events` for their endpoints, to commit with the change they report (empty when no endpoint wants them). */
  statements(events: StatusEvent[]): Promise<BatchItem<"sqlite">[]>;
  /** Queues `events` in a commit of their own, after the change was committed; never throws (logs). */
  emit(events: StatusEvent[]): Promise<void>;
  /** Whether any endpoint asked for `type` (cached): skip building an event nobody wants. */
  wants(type: StatusEventType): Promise<boolean>;
  /**
   * A notification was seen, read or clicked (by `channel`) for the first time: queues the event
   * of each kind in `what` (several when one act implies another: a read that is also the first
   * sight is `["seen", "read"]`), in that order and one commit, after looking up its event id.
   * Once per notification and kind (their ids repeat). `extra` is data of the `clicked` event (its
   * action). Never throws.
   */
  engagement(what: Engagement | Engagement[], subscriberId: string, notificationId: string, channel: string | null, extra?: Record<string, unknown>): Promise<void>;
  /**
   * Statements that queue, for each of `marks`, `notification.<what>` for each of a subscriber's
   * notifications its `ids` selects (a subquery of notification ids, read in the same batch): the
   * same event, id and body `engagement` queues for one, for any number and kinds in two
   * statements (read-all: `seen` for those it shows first, then `read`). Empty when no endpoint
   * wants any of the types. The caller commits them with its change, then calls `wake`.
   */
  engagementStatements(subscriberId: string, marks: { what: Engagement; ids: SQL }[], channel: string | null, at: number): Promise<BatchItem<"sqlite">[]>;
  /** Jobs were committed with a change (`statements`, `engagementStatements`): run them soon. */
  wake(): void;
  /** Endpoints changed in this process: read their types again. */
  invalidate(): void;
}

/** Builds the `{type, timestamp, data}` body stored once and sent on every attempt. */
export function statusPayload(event: StatusEvent): string {
  const data = { ...event.data, ...(typeof event.data.error === "string" ? { error: event.data.error.slice(0, MAX_ERROR_CHARS) } : {}) };
  return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data });
}

/**
 * Where status events enter the outbox. Which types any endpoint wants is cached for a second
 * (like rules), so the path of every delivery pays nothing while no endpoint is registered; an
 * endpoint created in another process starts receiving within that second.
 */
export function createStatusEvents(deps: { store: Store; clock: Clock; logger: Logger; ttlMs?: number; wake?: () => void }): StatusEvents {
  const { store, clock, logger } = deps;
  const types = ttlCache(() => store.webhookEndpoints.subscribedTypes(), { ttlMs: deps.ttlMs ?? 1000, now: () => clock.now(), maxEntries: 1 });
  const statements = async (events: StatusEvent[]) => {
    if (events.length === 0) return [];
    const wanted = await types.get("all");
    if (wanted.size === 0) return [];
    const now = clock.now();
    return events.filter((e) => wanted.has(e.type)).flatMap((e) => store.webhookEndpoints.emitStatements({ id: e.id, type: e.type, payload: statusPayload(e) }, now));
  };
  const emit = async (events: StatusEvent[] | (() => Promise<StatusEvent[]>)) => {
    try {
      const list = typeof events === "function" ? await events() : events;
      const written = await statements(list);
      if (written.length === 0) return;
      await store.write(written);
      deps.wake?.();
    } catch (error) {
      // The change itself is committed; losing its notice is logged, never turned into a failed request.
      logger.log("error", "could not queue status webhooks", { error: errorMessage(error) });
    }
  };
  return {
    statements,
    emit: (events) => emit(events),
    wants: async (type) => (await types.get("all")).has(type),
    async engagement(what, subscriberId, notificationId, channel, extra) {
      const wanted = await types.get("all");
      const kinds = (Array.isArray(what) ? what : [what]).filter((kind) => wanted.has(`notification.${kind}`));
      if (kinds.length === 0) return;
      const at = clock.now();
      await emit(async () => {
        const n = await store.webhookEndpoints.notification(notificationId);
        // Room messages and other inbox items are not notifications: nothing to report.
        if (!n || n.subscriberId !== subscriberId) return [];
        return kinds.map((kind) => engagementEvent(kind, { notificationId, eventId: n.eventId, subscriberId, channel }, at, kind === "clicked" ? extra : {}));
      });
    },
    async engagementStatements(subscriberId, marks, channel, at) {
      const wanted = await types.get("all");
      const events = marks
        .filter(({ what }) => wanted.has(`notification.${what}`))
        .map(({ what, ids }) => {
          // The event engagementEvent builds, with the ids left for each row to fill in.
          const template = engagementEvent(what, { notificationId: "", eventId: "", subscriberId, channel }, at);
          return { type: template.type, idSuffix: template.id, payload: statusPayload(template), ids };
        });
      return store.webhookEndpoints.emitPerNotificationStatements(events, subscriberId, clock.now());
    },
    wake: () => deps.wake?.(),
    invalidate: () => types.invalidate(),
  };
}
