import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../../store/index.js";
import { ttlCache } from "../cache.js";
import type { Clock } from "../clock.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { StatusEventData, StatusEventType } from "./schemas.js";
import { engagementEvent } from "./events.js";

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
   * A notification was seen, read or clicked (by `channel`): queues its event, once per notification
   * and kind, after looking up its event id. Never throws.
   */
  engagement(what: "seen" | "read" | "clicked", subscriberId: string, notificationId: string, channel: string | null, extra?: Record<string, unknown>): Promise<void>;
  /**
   * Statements that queue `notification.<what>` for each of a subscriber's notifications `ids`
   * selects (a subquery of notification ids, read in the same batch): the same event, id and body
   * `engagement` queues for one, for any number in two statements (read-all). Empty when no
   * endpoint wants the type. The caller commits them with its change, then calls `wake`.
   */
  engagementStatements(what: "seen" | "read" | "clicked", subscriberId: string, ids: SQL, channel: string | null, at: number): Promise<BatchItem<"sqlite">[]>;
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
      if (!(await types.get("all")).has(`notification.${what}`)) return;
      const at = clock.now();
      await emit(async () => {
        const n = await store.webhookEndpoints.notification(notificationId);
        // Room messages and other inbox items are not notifications: nothing to report.
        if (!n || n.subscriberId !== subscriberId) return [];
        return [engagementEvent(what, { notificationId, eventId: n.eventId, subscriberId, channel }, at, extra)];
      });
    },
    async engagementStatements(what, subscriberId, ids, channel, at) {
      const type = `notification.${what}` as const;
      if (!(await types.get("all")).has(type)) return [];
      // The event engagementEvent builds, with the ids left for each row to fill in.
      const template = engagementEvent(what, { notificationId: "", eventId: "", subscriberId, channel }, at);
      return store.webhookEndpoints.emitPerNotificationStatements({ type, idSuffix: template.id, payload: statusPayload(template) }, subscriberId, ids, clock.now());
    },
    wake: () => deps.wake?.(),
    invalidate: () => types.invalidate(),
  };
}
