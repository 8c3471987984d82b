import type { Store } from "../store/index.js";
import type { ClaimedJob } from "../store/repositories/outbox.js";
import type { Clock } from "./clock.js";
import type { JobOutcome } from "./outbox/worker.js";
import { eventDocument } from "./planner.js";
import type { HeraldPlugin, PluginApi } from "./plugins.js";
import type { Realtime } from "./realtime/service.js";

export function pluginJobId(eventId: string): string {
  return `plugin:${eventId}`;
}

/** Runs the plugins that handle an event's type. A plugin that throws leaves the job for a retry. */
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
    for (const plugin of plugins) if (plugin.events.includes(event.type)) await plugin.onEvent(doc, api);
    return { done: [] };
  };
}
