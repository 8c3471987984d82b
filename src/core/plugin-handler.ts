import { sha256 } from "@noble/hashes/sha2.js";
import type { Store } from "../store/index.js";
import { toHex, utf8 } from "../lib/encoding.js";
import type { ClaimedJob } from "../store/repositories/outbox.js";
import type { Clock } from "./clock.js";
import type { JobOutcome } from "./outbox/worker.js";
import { eventDocument } from "./planner.js";
import { withTimeout } from "../lib/time-limits.js";
import { HeraldError } from "./errors.js";
import { type HeraldPlugin, PLUGIN_TIMEOUT_MS, type PluginApi } from "./plugins.js";
import type { EventInput } from "./schemas/event.js";
import type { Realtime } from "./realtime/service.js";

export function pluginJobId(eventId: string): string {
  return `plugin:${eventId}`;
}

/** Lane names longer than this are stored as their hash: a key comes from event data. */
const MAX_LANE_LENGTH = 200;

/**
 * The lane of an event's plugin job: the ordering key of the first plugin handling the event that
 * names one (core/outbox/lanes.ts). Undefined: the job runs unordered.
 */
export function pluginLane(plugins: HeraldPlugin[], event: EventInput & { id: string }): string | undefined {
  for (const plugin of plugins) {
    if (!plugin.orderingKey || !plugin.events.includes(event.type)) continue;
    const key = plugin.orderingKey(event);
    if (key === undefined || key === "") continue;
    // Plugins naming the same key (the same room) share its lane.
    return key.length <= MAX_LANE_LENGTH ? key : `sha256:${toHex(sha256(utf8(key)))}`;
  }
  return undefined;
}

/**
 * Runs the plugins that handle an event's type. A plugin that throws fails the job: it is retried
 * with backoff a bounded number of times, then kept as a dead job (core/outbox/job-failures.ts).
 */
export function createPluginHandler(deps: { store: Store; clock: Clock; realtime: Realtime; plugins: HeraldPlugin[] }) {
  const { store, clock, realtime, plugins } = deps;
  const api: PluginApi = {
    async postSystemMessage(topic, message) {
      await realtime.post(topic, { senderId: null, senderName: null, body: message.body, clientMessageId: message.key, data: message.data });
    },
    async addToTopic(topic, subscriberId, profile) {
      if (!(await store.subscribers.get(subscriberId))) await store.subscribers.upsert(subscriberId, { name: profile?.name ?? null }, clock.now());
      await store.subscribers.subscribe(topic, subscriberId, clock.now());
    },
  };
  return async (job: ClaimedJob): Promise<JobOutcome> => {
    const event = await store.events.get(job.ref);
    if (!event) return { done: [] };
    const doc = eventDocument(event);
    for (const plugin of plugins) {
      if (!plugin.events.includes(event.type)) continue;
      // A run past its time fails the job (it is retried); the run itself cannot be stopped.
      const ms = plugin.timeoutMs ?? PLUGIN_TIMEOUT_MS;
      const late = () => new HeraldError("plugin_timeout", `plugin ${plugin.id} did not finish within ${ms} ms`, { retryable: true, pluginId: plugin.id });
      await withTimeout(plugin.onEvent(doc, api), ms, late);
    }
    return { done: [] };
  };
}
