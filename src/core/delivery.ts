import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import type { DeliveryContext } from "../store/repositories/deliveries.js";
import type { ClaimedJob } from "../store/repositories/outbox.js";
import type { AttemptOutcome, DeliveryStatus } from "../store/schema.js";
import type { SendContext, SendResult } from "./channels/define.js";
import type { ChannelRegistry } from "./channels/registry.js";
import type { Clock } from "./clock.js";
import { errorMessage } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { retryDelay, type BackoffPolicy } from "./outbox/backoff.js";
import type { JobOutcome } from "./outbox/worker.js";
import { batchLoader } from "./batch-loader.js";
import { semaphore } from "./semaphore.js";
import { fallbackStatements } from "./fallback.js";
import { mutedBy, quietHoursEnd } from "./preferences.js";
import type { ComposedChannel, MessageComposer } from "./message-composer.js";
import { createRateLimiter, type RateLimiter } from "./outbox/rate-limit.js";
import { createStepGates } from "./rules/step-gates.js";
import type { StatusEvents } from "./status-webhooks/emitter.js";
import { deliveryStatusEvent } from "./status-webhooks/events.js";

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  channels: ChannelRegistry;
  sendContext: SendContext;
  /** The retry schedule of a channel (its declaration with the operator's overrides). */
  backoff: (channelId: string) => BackoffPolicy;
  metrics: Metrics;
  composer: MessageComposer;
  /** Delivery outcomes queue status webhooks in the same commit. */
  statusEvents?: StatusEvents;
}

/** Runs one `deliver` job: render, send through the channel, record the outcome, start a fallback if needed. */
export function createDeliveryHandler(deps: DeliveryDeps) {
  const { store, clock, logger, channels, backoff, metrics } = deps;
  // Deliveries started together load their contexts with one query.
  const loadContext = batchLoader((ids: string[]) => store.deliveries.contexts(ids));
  // Steps failing together look for their fallbacks with one query (a broadcast's unreachable pushes fail by the hundred).
  const loadNextWaiting = batchLoader((keys: string[]) => store.deliveries.nextWaitingMany(keys));
  const nextWaiting = (notificationId: string, step: number) => loadNextWaiting(`${notificationId}\u0000${step}`);
  // Each channel's `limits.concurrency`: sends in flight at once on that channel.
  const limiters = new Map<string, ReturnType<typeof semaphore>>();
  const gate = createStepGates(store);
  const rates = new Map<string, RateLimiter | undefined>();
  const rateFor = (channel: ComposedChannel) => {
    const id = channel.definition.id;
    if (!rates.has(id)) {
      const rate = channel.instance.ratePerSecond ?? channel.definition.limits.ratePerSecond;
      rates.set(id, rate && rate > 0 ? createRateLimiter(rate) : undefined);
    }
    return rates.get(id);
  };
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

    const policy = deps.composer.policy(ctx);
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

    // The step's `if`, `digest` and the rule's `throttle` (core/rules/step-gates.ts).
    const gated = await gate(ctx, policy, now);
    if ("outcome" in gated) return gated.outcome;
    const prepared = await deps.composer.compose(ctx, policy, gated.digest);
    if (!("failure" in prepared)) {
      // The provider account's cap (limits.ratePerSecond): wait briefly for a turn, or come back for it.
      const turn = rateFor(prepared.channel)?.reserve(clock.now());
      if (turn && "retryAt" in turn) return { retryAt: turn.retryAt, statements: [store.deliveries.outcomeStatement(delivery.id, { status: "pending", error: "rate limited: waiting for the channel's turn", countAttempt: false }, now)] };
      if (turn && turn.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, turn.waitMs));
    }
    const started = clock.now();
    const result: SendResult = "failure" in prepared ? prepared.failure : await sendSafely(() => limiterFor(prepared.channel.definition.id, prepared.channel.definition.limits.concurrency)(() => prepared.channel.instance.send(prepared.message, deps.sendContext)));
    const finished = clock.now();
    const attempt = delivery.attempts + 1;
    const logFields = { event: ctx.event.id, notification: notification.id, delivery: delivery.id, channel: delivery.channel, attempt };
    // The timeline's record of this send, in the same batch as its outcome.
    const attemptRecord = (outcome: AttemptOutcome) =>
      store.deliveries.attemptStatement(delivery.id, {
        outcome,
        provider: result.provider ?? delivery.channel,
        ...(result.ok ? { providerMessageId: result.providerMessageId ?? null } : { code: result.code, answer: result.message }),
        startedAt: started,
        finishedAt: finished,
      });
    const facts = { deliveryId: delivery.id, notificationId: notification.id, eventId: ctx.event.id, subscriberId: notification.subscriberId, channel: delivery.channel };
    const statusStatements = async (status: "sent" | "failed" | "dead", error?: string) => (await deps.statusEvents?.statements([deliveryStatusEvent(facts, status, finished, error)])) ?? [];

    // A channel with failover names the provider that answered (core/channels/failover.ts).
    const provider = result.provider ? [store.workflow.providerStatement(delivery.id, result.provider, finished)] : [];
    if (result.ok) {
      metrics.deliveryFinished(delivery.channel, "sent", (finished - ctx.event.receivedAt) / 1000);
      const segments = "facts" in prepared ? prepared.facts()?.segments : undefined;
      if (typeof segments === "number") metrics.deliveryUnits(delivery.channel, "segments", segments);
      logger.log("info", "delivery sent", { ...logFields, providerMessageId: result.providerMessageId, ms: finished - started });
      return {
        done: [store.deliveries.outcomeStatement(delivery.id, { status: "sent", providerMessageId: result.providerMessageId ?? null, countAttempt: true }, finished), ...provider, attemptRecord("sent"), ...(await statusStatements("sent"))],
      };
    }

    const error = `${result.code}: ${result.message}`;
    const schedule = backoff(delivery.channel);
    if (result.retryable && attempt < schedule.maxAttempts) {
      const wait = retryDelay(schedule, attempt, result.retryAfterMs);
      logger.log("warn", "delivery will retry", { ...logFields, error, retryInMs: wait });
      metrics.deliveryAttemptFailed(delivery.channel);
      return { retryAt: finished + wait, statements: [store.deliveries.outcomeStatement(delivery.id, { status: "pending", error, countAttempt: true }, finished), ...provider, attemptRecord("retry")] };
    }

    const status: DeliveryStatus & AttemptOutcome = result.retryable ? "dead" : "failed";
    // The provider said this address can never be reached (Twilio 21610 "unsubscribed", SMTP 550): never try it again.
    if (result.undeliverable && "message" in prepared && prepared.address) {
      await store.suppressions.add(delivery.channel, [{ address: prepared.address, reason: error }], finished);
    }
    metrics.deliveryFinished(delivery.channel, status, (finished - ctx.event.receivedAt) / 1000);
    logger.log("error", `delivery ${status}`, { ...logFields, error });
    return {
      done: [
        store.deliveries.outcomeStatement(delivery.id, { status, error, countAttempt: !("failure" in prepared) }, finished),
        // A setup gap (no address, channel not configured) sent nothing: the delivery's error tells it, not an attempt.
        ...("failure" in prepared ? [] : [attemptRecord(status)]),
        ...provider,
        ...(await statusStatements(status === "dead" ? "dead" : "failed", error)),
        ...(await startFallback(ctx, finished)),
      ],
    };
  };

  async function sendSafely(send: () => Promise<SendResult>): Promise<SendResult> {
    try {
      return await send();
    } catch (error) {
      // A channel should return failures, not throw; if one throws anyway, count it as retryable.
      return { ok: false, code: "plugin_error", message: errorMessage(error), retryable: true };
    }
  }

  async function startFallback(ctx: DeliveryContext, now: number): Promise<BatchItem<"sqlite">[]> {
    const fallback = await fallbackStatements(store, ctx.notification.id, ctx.delivery.step, now, nextWaiting);
    if (!fallback) return [];
    logger.log("info", "fallback started", { notification: ctx.notification.id, from: ctx.delivery.channel, to: fallback.channel });
    return fallback.statements;
  }
}

