import type { EventInput } from "./schemas/event.js";

/** What a plugin may do. Every action is idempotent: a plugin job can run again after a crash. */
export interface PluginApi {
  /** Posts a system message to a room; `key` makes a repeat a no-op. */
  postSystemMessage(topic: string, message: { key: string; body: string; data?: Record<string, unknown> }): Promise<void>;
  addToTopic(topic: string, subscriberId: string, profile?: { name?: string }): Promise<void>;
}

/**
 * A plugin shapes events into workflow: it names the event types it handles and acts on each one
 * after the event is durable (a job runs it, so a crash only delays it).
 */
export interface HeraldPlugin {
  id: string;
  events: string[];
  onEvent(event: EventInput & { id: string }, api: PluginApi): Promise<void>;
  /**
   * Events with the same key are handled one after another, in the order Herald accepted them,
   * on every runtime (core/outbox/lanes.ts); events without one in any order. Return the room the
   * event speaks in (`ticket:77`) to keep that room's system messages in event order.
   */
  orderingKey?(event: EventInput & { id: string }): string | undefined;
  /**
   * Longest one event's handling may take, in ms (default PLUGIN_TIMEOUT_MS). Past it the job fails
   * and is retried on its schedule; the run it gave up on is not stopped, so it may still finish:
   * the API's actions are idempotent for that reason.
   */
  timeoutMs?: number;
}

/**
 * A plugin's default time for one event: under the outbox's 60 s lease, so a hung plugin frees its
 * outbox slot and fails its job before the lease ends and another worker runs it alongside.
 */
export const PLUGIN_TIMEOUT_MS = 30_000;

export function definePlugin(plugin: HeraldPlugin): HeraldPlugin {
  if (!/^[a-z][a-z0-9-]*$/.test(plugin.id)) throw new Error(`plugin id "${plugin.id}" must be kebab-case`);
  return plugin;
}
