import { z } from "@hono/zod-openapi";
import { defineChannel, type ChannelMessage, type InboxNotification } from "../../core/channels/define.js";
import { errorMessage } from "../../core/errors.js";
import { withActions } from "../../core/realtime/frames.js";

/** A button in the inbox (`url` opens, `action` names it in click reports), as push's actions are. */
const Action = z.strictObject({ action: z.string().max(64), title: z.string().max(200), url: z.string().max(2048).optional() });

/** `channels.realtime` of a template: the in-app inbox item, with up to three buttons. */
export const RealtimeContent = z.strictObject({ title: z.string().max(500), body: z.string().max(4000), url: z.string().max(2048).optional(), actions: z.array(Action).max(3).optional() });

type Content = typeof RealtimeContent._output;

/** The stream item of a notification: what `send` appends, and what the engine appends directly. */
function inboxItem(message: ChannelMessage<Content>, now: number): InboxNotification {
  const { title, body, url, actions } = message.content;
  return { id: message.notificationId, title, body, url: url ?? null, data: withActions(message.data, actions), createdAt: now };
}

/**
 * The in-app channel: the notification is appended to the subscriber's stream (stored, with a
 * seq) and pushed to every open connection of theirs. It needs no configuration. Notifications due
 * at once are appended by the engine in the commit that accepts their event (`inboxItem`).
 */
export const realtimeChannel = defineChannel({
  id: "realtime",
  title: "In-app (real time)",
  config: {},
  limits: { bodyMaxLength: 4000 },
  // A failed append means Herald's own store failed, not a provider: retry within a minute so the
  // inbox catches up soon after it recovers; 128 sends still outlast an hour (61–122 min).
  retry: { baseMs: 1000, capMs: 60_000, maxAttempts: 128 },
  // Data for the page to show as text (the SDK and <herald-inbox> never parse it as HTML): "Tom & Jerry"
  // must not arrive as "Tom &amp; Jerry", nor a link's "&" as "&amp;". Nested actions included.
  plainTextFields: ["title", "body", "url", "actions"],
  content: RealtimeContent,
  bodyField: "body",
  inboxItem,
  ui: { preview: { layout: "inbox" } },
  broadcast: { content: (c) => ({ title: c.title, body: c.body, ...(c.url ? { url: c.url } : {}) }), byDefault: true },
  needs: ["realtime"],
  create(_config, services) {
    return {
      async send(message, ctx) {
        try {
          // No provider message id: the item is in the stream under the notification's id.
          await services.realtime.deliverNotification(message.subscriber.id, inboxItem(message, ctx.clock.now()));
          return { ok: true };
        } catch (error) {
          return { ok: false, code: "store_error", message: errorMessage(error), retryable: true };
        }
      },
    };
  },
});
