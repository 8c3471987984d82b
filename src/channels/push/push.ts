import { z } from "@hono/zod-openapi";
import { defineChannel, type PushTarget, type SendContext, type SendResult } from "../../core/channels/define.js";
import { type HttpAnswer, resultFromAnswer, resultFromError } from "../shared/http-result.js";
import { checkPushKeys, decodePushKeys, encryptPushMessage, PushEncryptionError, type PushKeys } from "../../lib/push-encrypt.js";
import { encodePayload, topicFromTag, type PushPayload } from "./payload.js";
import { vapidHeaderCache } from "./vapid.js";

const Text = (max: number) => z.string().max(max);
/** `channels.push` of a template: what a browser notification shows (title, body, link, image, up to four buttons). */
export const PushContent = z.strictObject({
  title: Text(500),
  body: Text(4000),
  url: Text(2048).optional(),
  icon: Text(2048).optional(),
  badge: Text(2048).optional(),
  image: Text(2048).optional(),
  tag: Text(200).optional(),
  actions: z.array(z.strictObject({ action: Text(64), title: Text(200), url: Text(2048).optional() })).max(4).optional(),
});

type Failure = Extract<SendResult, { ok: false }>;
type DeviceOutcome = { kind: "sent"; endpoint: string; location?: string } | { kind: "gone"; endpoint: string; status: number } | { kind: "failed"; failure: Failure };

const URGENCIES = ["very-low", "low", "normal", "high"] as const;

/**
 * Web push (RFC 8030/8291/8292) to every browser a subscriber registered. One code path for every
 * runtime: src/lib/push-encrypt.ts encrypts with node:crypto primitives (aes128gcm, a fresh sender
 * key and salt per message) and the engine's fetch sends (timeouts, SSRF guard); it runs on Node,
 * Deno and workerd with nodejs_compat. The VAPID JWT is signed once per push-service origin and reused.
 */
export const pushChannel = defineChannel({
  id: "push",
  title: "Web push",
  config: {
    ttlSeconds: {
      type: "integer",
      min: 0,
      default: 86_400,
      env: "HERALD_PUSH_TTL_SECONDS",
      description: "How long a push service keeps an undelivered message, in seconds (TTL header)",
    },
    urgency: { type: "string", choices: URGENCIES, default: "normal", env: "HERALD_PUSH_URGENCY", description: "Default Urgency header; tags starting order- are always high" },
    timeoutMs: { type: "integer", min: 1, default: 10_000, env: "HERALD_PUSH_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
    publicUrl: { type: "url", env: "HERALD_PUBLIC_URL", description: "Herald's public URL, for the service worker's reports when the site is on another origin" },
  },
  // The body is shortened to fit the 3,993-byte record by the channel itself (payload.ts).
  limits: { bodyMaxLength: 4000, concurrency: 64 },
  // Nothing in a push is HTML. The service worker hands title, body and button titles to the
  // Notification API, which shows them as text ("Tom & Jerry" must not arrive as "Tom &amp; Jerry");
  // url, icon, badge, image and the buttons' urls are URLs it loads or opens (a query's "&" must stay
  // "&"); the tag is an identifier (and the Topic header). Every field, nested actions included.
  plainTextFields: ["title", "body", "url", "icon", "badge", "image", "tag", "actions"],
  // A buzz at 3 a.m. for a promotion is what quiet hours are for; critical rules still go through.
  quietHours: "defer",
  content: PushContent,
  bodyField: "body",
  needs: ["push"],
  ui: {
    fields: { actions: { kind: "actions", placeholder: '[{"action": "track", "title": "Track", "url": "…"}]' } },
    preview: { layout: "notification" },
  },
  broadcast: {
    content: (c) => ({
      title: c.title,
      body: c.body,
      ...(c.url ? { url: c.url } : {}),
      ...(c.image ? { image: c.image } : {}),
      ...(c.actions ? { actions: c.actions } : {}),
    }),
    byDefault: true,
  },
  create(config, services) {
    const push = services.push;
    const defaultUrgency = config.urgency;
    const jwt = vapidHeaderCache(() => push.vapid);

    /** The push service's answer, through the runtime's transport when it has one, else encrypted here and sent by fetch. */
    async function dispatch(endpoint: URL, keys: PushKeys, plaintext: Uint8Array, headers: Record<string, string>, ctx: SendContext): Promise<HttpAnswer & { location: string | null }> {
      if (push.transport) {
        // Literal private addresses and names like localhost as written; the transport checks what a name resolves to.
        await ctx.checkHost(endpoint.hostname);
        const answer = await push.transport.send({ endpoint, headers, plaintext, keys, timeoutMs: config.timeoutMs });
        if (answer) return answer;
      }
      const response = await ctx.fetch(endpoint.href, { method: "POST", headers, body: encryptPushMessage(plaintext, keys), timeoutMs: config.timeoutMs });
      // Only a refusal's body is worth reading (its reason is recorded).
      const refused = response.status >= 300 && response.status !== 404 && response.status !== 410;
      const body = refused ? await response.text().catch(() => "") : (await response.body?.cancel(), "");
      return { status: response.status, statusText: response.statusText, location: response.headers.get("location"), retryAfter: response.headers.get("retry-after"), body };
    }

    async function sendTo(target: PushTarget, plaintext: Uint8Array, headers: Record<string, string>, ctx: SendContext): Promise<DeviceOutcome> {
      try {
        const endpoint = new URL(target.endpoint);
        headers = { ...headers, authorization: await jwt.headerFor(endpoint.origin, ctx.clock.now()) };
        // Bad key sizes fail here, before anything is sent anywhere.
        const keys = decodePushKeys(target.p256dh, target.auth);
        checkPushKeys(keys);
        const answer = await dispatch(endpoint, keys, plaintext, headers, ctx);
        if (answer.status === 404 || answer.status === 410) return { kind: "gone", endpoint: target.endpoint, status: answer.status };
        if (answer.status >= 200 && answer.status < 300) return { kind: "sent", endpoint: target.endpoint, location: answer.location ?? undefined };
        return { kind: "failed", failure: resultFromAnswer(answer, ctx.clock.now()) as Failure };
      } catch (error) {
        if (error instanceof PushEncryptionError) return { kind: "failed", failure: { ok: false, code: "encrypt_failed", message: error.message, retryable: false } };
        return { kind: "failed", failure: resultFromError(error) as Failure };
      }
    }

    return {
      async send(message, ctx) {
        const targets = await push.subscriptions(message.subscriber.id);
        if (targets.length === 0) {
          return { ok: false, code: "no_push_subscription", message: `subscriber ${message.subscriber.id} has no push subscription`, retryable: false, undeliverable: true };
        }
        const content = message.content;
        const ttl = config.ttlSeconds;
        const actionUrls = Object.fromEntries((content.actions ?? []).filter((a) => a.url).map((a) => [a.action, a.url!]));
        const payload: PushPayload = {
          title: content.title,
          body: content.body,
          ...pick(content, ["url", "icon", "badge", "image", "tag"]),
          ...(content.actions?.length ? { actions: content.actions.map(({ action, title }) => ({ action, title })) } : {}),
          data: {
            notificationId: message.notificationId,
            ...(content.url ? { url: content.url } : {}),
            ...(Object.keys(actionUrls).length ? { actions: actionUrls } : {}),
            unread: await push.unreadCount(message.subscriber.id),
            ...(config.publicUrl ? { api: config.publicUrl } : {}),
            // The notification may sit in the tray after the TTL; the token outlives it by a week.
            token: await push.receiptToken(message.subscriber.id, ttl + 7 * 86_400),
          },
        };
        const plaintext = encodePayload(payload);
        if (!plaintext) return { ok: false, code: "payload_too_large", message: "the push payload does not fit 3,993 bytes even with an empty body", retryable: false };
        const urgency = /^order[-:]/.test(content.tag ?? "") ? "high" : defaultUrgency;
        const topic = await topicFromTag(content.tag);
        const headers: Record<string, string> = {
          ttl: String(ttl),
          urgency,
          ...(topic ? { topic } : {}),
          "content-encoding": "aes128gcm",
          "content-type": "application/octet-stream",
        };

        const outcomes = await Promise.all(targets.map((t) => sendTo(t, plaintext, headers, ctx)));
        const gone = outcomes.filter((o) => o.kind === "gone");
        // Removed at once: the push service will never accept these again (RFC 8030 §7.3).
        for (const o of gone) await push.remove(o.endpoint);
        const sent = outcomes.filter((o) => o.kind === "sent");
        if (sent.length > 0) {
          await push.succeeded(sent.map((o) => o.endpoint));
          // Partial failures of other devices are not retried: that would repeat the message on those that got it.
          return { ok: true, providerMessageId: sent[0]!.location ?? `${sent.length}/${targets.length} devices` };
        }
        const failures = outcomes.flatMap((o) => (o.kind === "failed" ? [o.failure] : []));
        if (failures.length === 0) {
          return { ok: false, code: `http_${gone[0]!.status}`, message: `push subscription gone (${gone.length} removed)`, retryable: false, undeliverable: true };
        }
        const retryable = failures.filter((f) => f.retryable);
        if (retryable.length === 0) return failures[0]!;
        const waits = retryable.map((f) => f.retryAfterMs).filter((w): w is number => w !== undefined);
        return { ...retryable[0]!, ...(waits.length ? { retryAfterMs: Math.max(...waits) } : {}) };
      },
    };
  },
});

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined && source[k] !== "").map((k) => [k, source[k]])) as Partial<Pick<T, K>>;
}
