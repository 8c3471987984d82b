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
}

export function definePlugin(plugin: HeraldPlugin): HeraldPlugin {
  if (!/^[a-z][a-z0-9-]*$/.test(plugin.id)) throw new Error(`plugin id "${plugin.id}" must be kebab-case`);
  return plugin;
}
