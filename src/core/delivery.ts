import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import type { DeliveryContext } from "../store/repositories/deliveries.js";
import type { ClaimedJob } from "../store/repositories/outbox.js";
import type { DeliveryStatus } from "../store/schema.js";
import type { ChannelMessage, SendContext, SendResult } from "./channels/define.js";
import type { ChannelRegistry } from "./channels/registry.js";
import type { Clock } from "./clock.js";
import { errorMessage } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { retryDelay, type BackoffPolicy } from "./outbox/backoff.js";
import type { JobOutcome } from "./outbox/worker.js";
import { batchLoader } from "./batch-loader.js";
import { semaphore } from "./semaphore.js";
import { selectContent, truncateText, type TemplateContext } from "./rendering.js";
import { renderChannelContent } from "./channels/content.js";
import { fallbackStatements } from "./fallback.js";
import { mutedBy, Preferences, quietHoursEnd } from "./preferences.js";
import type { BroadcastBody } from "./broadcasts.js";
import type { TemplateInput } from "./schemas/template.js";
import type { TtlCache } from "./cache.js";
import type { TemplateRecord } from "../store/repositories/templates.js";

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  channels: ChannelRegistry;
  sendContext: SendContext;
  backoff: BackoffPolicy;
  metrics: Metrics;
  templates: TtlCache<TemplateRecord | undefined>;
  /** A signed one-click unsubscribe URL for this subscriber and channel. */
  unsubscribeUrl(subscriberId: string, channel: string): Promise<string>;
}

type Failure = Extract<SendResult, { ok: false }>;

/** Runs one `deliver` job: render, send through the channel, record the outcome, start a fallback if needed. */
export function createDeliveryHandler(deps: DeliveryDeps) {
  const { store, clock, logger, channels, backoff, metrics } = deps;
  // Deliveries started together load their contexts with one query.
  const loadContext = batchLoader((ids: string[]) => store.deliveries.contexts(ids));
  // Each channel's `limits.concurrency`: sends in flight at once on that channel.
  const limiters = new Map<string, ReturnType<typeof semaphore>>();
  const limiterFor = (id: string, limit: number | undefined) => {
    let run = limiters.get(id);
    if (!run) limiters.set(id, (run = semaphore(limit && limit > 0 ? limit : Number.POSITIVE_INFINITY)));
    return run;
  };

  return async function deliver(job: ClaimedJob): Promise<JobOutcome> {
    const ctx = await loadContext(job.ref);
    if (!ctx || ctx.delivery.status !== "pending") return { done: [] };
    const { delivery, notification } = ctx;
    const now = clock.now();

    if (delivery.unlessSeen && (notification.seenAt || notification.readAt)) {
      return { done: [store.deliveries.outcomeStatement(delivery.id, { status: "cancelled", error: "seen before escalation", countAttempt: false }, now)] };
    }

    const policy = messagePolicy(ctx);
    const muted = mutedBy(policy.preferences, { channel: delivery.channel, category: policy.category, critical: policy.critical });
    if (muted) {
      // The subscriber said no to this channel, not to the message: a fallback channel may still carry it.
      logger.log("info", "delivery muted by preferences", { delivery: delivery.id, channel: delivery.channel, reason: muted });
      return { done: [store.deliveries.outcomeStatement(delivery.id, { status: "cancelled", error: `muted: ${muted}`, countAttempt: false }, now), ...(await startFallback(ctx, now))] };
    }
    if (!policy.critical && channels.get(delivery.channel)?.definition.quietHours === "defer") {
      const until = quietHoursEnd(policy.preferences, ctx.subscriber?.timezone, now);
      if (until !== undefined) {
        // Not an attempt: the job simply sleeps until the subscriber's morning.
        const note = `deferred: quiet hours until ${new Date(until).toISOString()}`;
        return { retryAt: until, statements: [store.deliveries.outcomeStatement(delivery.id, { status: "pending", error: note, countAttempt: false }, now)] };
      }
    }

    const prepared = await prepare(ctx, policy);
    const started = clock.now();
    const result: SendResult = "failure" in prepared ? prepared.failure : await sendSafely(prepared.send);
    const finished = clock.now();
    const attempt = delivery.attempts + 1;
    const logFields = { event: ctx.event.id, notification: notification.id, delivery: delivery.id, channel: delivery.channel, attempt };

    if (result.ok) {
      metrics.deliveryFinished(delivery.channel, "sent", (finished - ctx.event.receivedAt) / 1000);
      const segments = "facts" in prepared ? prepared.facts()?.segments : undefined;
      if (typeof segments === "number") metrics.deliveryUnits(delivery.channel, "segments", segments);
      logger.log("info", "delivery sent", { ...logFields, providerMessageId: result.providerMessageId, ms: finished - started });
      return {
        done: [store.deliveries.outcomeStatement(delivery.id, { status: "sent", providerMessageId: result.providerMessageId ?? null, countAttempt: true }, finished)],
      };
    }

    const error = `${result.code}: ${result.message}`;
    if (result.retryable && attempt < backoff.maxAttempts) {
      const wait = retryDelay(backoff, attempt, result.retryAfterMs);
      logger.log("warn", "delivery will retry", { ...logFields, error, retryInMs: wait });
      metrics.deliveryAttemptFailed(delivery.channel);
      return { retryAt: finished + wait, statements: [store.deliveries.outcomeStatement(delivery.id, { status: "pending", error, countAttempt: true }, finished)] };
    }

    const status: DeliveryStatus = result.retryable ? "dead" : "failed";
    // The provider said this address can never be reached (Twilio 21610 "unsubscribed", SMTP 550): never try it again.
    if (result.undeliverable && "send" in prepared && prepared.address) {
      await store.suppressions.add(delivery.channel, [{ address: prepared.address, reason: error }], finished);
    }
    metrics.deliveryFinished(delivery.channel, status, (finished - ctx.event.receivedAt) / 1000);
    logger.log("error", `delivery ${status}`, { ...logFields, error });
    return {
      done: [
        store.deliveries.outcomeStatement(delivery.id, { status, error, countAttempt: !("failure" in prepared) }, finished),
        ...(await startFallback(ctx, finished)),
      ],
    };
  };

  /** Everything that can fail before the channel is called fails here, as a non-retryable failure. */
  async function prepare(ctx: DeliveryContext, policy: MessagePolicy): Promise<{ failure: Failure } | { send: () => Promise<SendResult>; facts: () => Record<string, unknown> | undefined; address?: string }> {
    const { delivery } = ctx;
    const channel = channels.get(delivery.channel);
    if (!channel) return fail("unknown_channel", `no channel "${delivery.channel}" is installed`);
    if (!channel.instance) return fail("not_configured", `channel "${delivery.channel}" is not configured (missing ${channel.missing.join(", ")})`);
    const definition = channel.definition;
    const template = await deps.templates.get(delivery.template);
    if (!template) return fail("template_missing", `template "${delivery.template}" does not exist`);
    const content = selectContent(template.body as TemplateInput, delivery.channel, ctx.subscriber?.locale);
    if (!content) return fail("template_missing_channel", `template "${delivery.template}" has no ${delivery.channel} content`);

    const context = templateContext(ctx);
    const subscriber = { id: context.subscriber.id, name: context.subscriber.name ?? null, email: context.subscriber.email ?? null, phone: context.subscriber.phone ?? null, locale: context.subscriber.locale ?? null };
    let address: string | undefined;
    if (definition.address) {
      address = definition.address(subscriber) ?? undefined;
      if (!address) return fail("no_address", `the subscriber has no ${delivery.channel} address`, true);
      const suppressed = await store.suppressions.reason(delivery.channel, address);
      if (suppressed !== undefined) return fail("suppressed", `the ${delivery.channel} address is suppressed: ${suppressed}`, true);
    }
    // Signing a link costs an HMAC: only for channels that carry one, or content that shows one.
    const wantsLink = !policy.critical && (definition.unsubscribeLinks === true || mentionsUnsubscribe(content));
    const unsubscribeUrl = wantsLink ? await deps.unsubscribeUrl(context.subscriber.id, delivery.channel) : undefined;
    context.notification.unsubscribeUrl = unsubscribeUrl ?? null;

    const rendered = await renderChannelContent(definition, content, context);
    if (!rendered.ok) return fail(rendered.code, rendered.message);
    const body = definition.bodyField;
    const max = definition.limits.bodyMaxLength;
    const finalContent = rendered.content;
    if (body && max && typeof finalContent[body] === "string") finalContent[body] = truncateText(finalContent[body], max);

    const message: ChannelMessage<unknown> = {
      notificationId: ctx.notification.id,
      deliveryId: delivery.id,
      eventId: ctx.event.id,
      subscriber,
      content: finalContent,
      data: context.data,
      address,
      critical: policy.critical,
      category: policy.category,
      unsubscribeUrl,
    };
    const instance = channel.instance;
    const limit = limiterFor(definition.id, definition.limits.concurrency);
    return { send: () => limit(() => instance.send(message, deps.sendContext)), facts: () => definition.describe?.(finalContent), address };
  }

  async function sendSafely(send: () => Promise<SendResult>): Promise<SendResult> {
    try {
      return await send();
    } catch (error) {
      // A channel should return failures, not throw; if one throws anyway, count it as retryable.
      return { ok: false, code: "plugin_error", message: errorMessage(error), retryable: true };
    }
  }

  async function startFallback(ctx: DeliveryContext, now: number): Promise<BatchItem<"sqlite">[]> {
    const fallback = await fallbackStatements(store, ctx.notification.id, ctx.delivery.step, now);
    if (!fallback) return [];
    logger.log("info", "fallback started", { notification: ctx.notification.id, from: ctx.delivery.channel, to: fallback.channel });
    return fallback.statements;
  }
}

interface MessagePolicy {
  critical: boolean;
  category: string;
  preferences: Preferences | undefined;
}

/** Whether preferences may mute this message, and under which category: from its rule, or the broadcast. */
function messagePolicy(ctx: DeliveryContext): MessagePolicy {
  const rule = ctx.rule?.body as { critical?: boolean; category?: string } | undefined;
  const broadcast = (ctx.event.body as Partial<BroadcastBody>).broadcast as { category?: string } | undefined;
  const parsed = ctx.preferences ? Preferences.safeParse(ctx.preferences.body) : undefined;
  return {
    critical: broadcast ? false : rule?.critical === true,
    category: broadcast ? (broadcast.category ?? "broadcasts") : (rule?.category ?? ctx.notification.ruleId),
    preferences: parsed?.success ? parsed.data : undefined,
  };
}

// Template content objects live as long as the cached template record: remember the answer per object.
const mentions = new WeakMap<object, boolean>();
function mentionsUnsubscribe(content: unknown): boolean {
  if (!content || typeof content !== "object") return false;
  let hit = mentions.get(content);
  if (hit === undefined) mentions.set(content, (hit = JSON.stringify(content).includes("unsubscribeUrl")));
  return hit;
}

function fail(code: string, message: string, undeliverable = false): { failure: Failure } {
  return { failure: { ok: false, code, message, retryable: false, ...(undeliverable ? { undeliverable } : {}) } };
}

export function templateContext(ctx: DeliveryContext): TemplateContext {
  const body = ctx.event.body as { data?: Record<string, unknown>; topic?: string };
  const data = body.data ?? {};
  return {
    data,
    subscriber: {
      id: ctx.notification.subscriberId,
      name: ctx.subscriber?.name ?? null,
      email: ctx.subscriber?.email ?? null,
      phone: ctx.subscriber?.phone ?? null,
      locale: ctx.subscriber?.locale ?? null,
      timezone: ctx.subscriber?.timezone ?? null,
      data: ctx.subscriber?.data ?? {},
    },
    event: { id: ctx.event.id, type: ctx.event.type, topic: body.topic ?? null },
    notification: { id: ctx.notification.id, url: typeof data.url === "string" ? data.url : null },
  };
}
