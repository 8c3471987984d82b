import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../store/index.js";
import type { Attempt, DeliveryContext } from "../store/repositories/deliveries.js";
import type { AcceptedEvent } from "../store/repositories/events.js";
import type { InboxAppend } from "../store/repositories/inbox.js";
import type { ClaimedJob } from "../store/repositories/outbox.js";
import type { PlannedWork } from "../store/repositories/plans.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import type { AttemptOutcome, DeliveryStatus } from "../store/schema.js";
import type { TtlCache } from "./cache.js";
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
import { fallbackStatements } from "./fallback.js";
import { mutedBy, quietHoursEnd } from "./preferences.js";
import type { ComposedChannel, MessageComposer } from "./message-composer.js";
import { createRateLimiter, type RateLimiter } from "./outbox/rate-limit.js";
// Turns are real time, whatever clock the engine runs on.
import { sleep } from "../lib/time-limits.js";
import type { Realtime } from "./realtime/service.js";
import { createStepGates, hasGates } from "./rules/step-gates.js";
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
  /** In-app deliveries made in an accepting commit: their live frames, and the rules of their events. */
  realtime: Realtime;
  rules: TtlCache<RuleRecord[]>;
}

/** A delivery's new state, as `store.deliveries.outcomeStatement` writes it. */
type Outcome = Parameters<Store["deliveries"]["outcomeStatement"]>[1];

/** What a commit of accepted events carries for in-app deliveries made in it, and what follows it. */
export interface DirectBatch {
  statements: BatchItem<"sqlite">[];
  /**
   * After the commit, with the rows `statements` returned: pushes the items to live connections.
   * Awaited before the 202: on Workers, work left running after the response may be cancelled.
   */
  committed(results: Record<string, unknown>[][]): Promise<void>;
  /** The statements queue outbox jobs (status webhooks): wake the outbox after the commit. */
  queuesJobs: boolean;
}

/**
 * A run inside the commit that accepts the delivery's event: the send is the channel's inbox item
 * appended by that commit; the record (the rows it stores) goes into it, and metrics and log follow
 * it (a failed commit is retried in halves: count once).
 */
interface InCommit {
  append(message: ChannelMessage<unknown>, channel: ComposedChannel): void;
  record(outcome: Outcome, at: number, attempt?: Attempt): void;
  after(report: () => void): void;
}

/**
 * Runs deliveries: checks (escalation, preferences, quiet hours, the step's gates), composition,
 * the send, and its record (outcome, attempt, status webhooks, metrics, log, a fallback if needed).
 * `job` runs a `deliver` job. `direct` is the fast case of the same run: a channel that declares
 * `inboxItem` delivers a step due at once inside the commit that accepts its event, its send being
 * the item appended there and its record going there too: one transaction per event instead of
 * four (accept, job claim, append, outcome), the only one on the path from the POST to the frame
 * (bench/realtime). Whatever that run would not send (muted, deferred, gated, not composable)
 * keeps its job, which records it the usual way.
 */
export function createDelivery(deps: DeliveryDeps) {
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

  async function run(ctx: DeliveryContext, commit?: InCommit): Promise<JobOutcome | undefined> {
    const { delivery, notification } = ctx;
    const now = clock.now();
    // The record: statements for the job's ack, or in the accepting commit the rows it stores.
    const record = (outcome: Outcome, at: number, attempt?: Attempt): BatchItem<"sqlite">[] => {
      if (commit) return (commit.record(outcome, at, attempt), []);
      return [store.deliveries.outcomeStatement(delivery.id, outcome, at), ...(attempt ? store.deliveries.attemptStatements([{ deliveryId: delivery.id, ...attempt }]) : [])];
    };

    if (delivery.unlessSeen && (notification.seenAt || notification.readAt)) {
      return { done: record({ status: "cancelled", error: "seen before escalation", countAttempt: false }, now) };
    }

    const policy = deps.composer.policy(ctx);
    const muted = mutedBy(policy.preferences, { channel: delivery.channel, category: policy.category, critical: policy.critical });
    // In the accepting commit a run only sends: what else it would record (with a fallback, which
    // finds the plan stored), the job records.
    if (muted && commit) return undefined;
    if (muted) {
      // The subscriber said no to this channel, not to the message: a fallback channel may still carry it.
      logger.log("info", "delivery muted by preferences", { delivery: delivery.id, channel: delivery.channel, reason: muted });
      return { done: [...record({ status: "cancelled", error: `muted: ${muted}`, countAttempt: false }, now), ...(await startFallback(ctx, now))] };
    }
    if (!policy.critical && channels.get(delivery.channel)?.definition.quietHours === "defer") {
      const until = quietHoursEnd(policy.preferences, ctx.subscriber?.timezone, now);
      if (until !== undefined && commit) return undefined;
      if (until !== undefined) {
        // Not an attempt: the job simply sleeps until the subscriber's morning.
        const note = `deferred: quiet hours until ${new Date(until).toISOString()}`;
        return { retryAt: until, statements: record({ status: "pending", error: note, countAttempt: false }, now) };
      }
    }

    // The step's `if`, `digest` and the rule's `throttle` (core/rules/step-gates.ts): they read stored rows.
    if (commit && hasGates(ctx.rule?.body, delivery.step)) return undefined;
    const gated = await gate(ctx, policy, now);
    if ("outcome" in gated) return gated.outcome;
    const prepared = await deps.composer.compose(ctx, policy, gated.digest);
    if (commit && "failure" in prepared) return undefined;
    if (!("failure" in prepared) && !commit) {
      // The provider account's cap (limits.ratePerSecond): wait briefly for a turn, or come back for it.
      const limiter = rateFor(prepared.channel);
      const turn = limiter?.reserve(clock.now());
      if (turn && "retryAt" in turn) return { retryAt: turn.retryAt, statements: record({ status: "pending", error: "rate limited: waiting for the channel's turn", countAttempt: false }, now) };
      if (turn && turn.waitMs > 0) await sleep(turn.waitMs);
      const late = limiter?.startAfter(clock.now()) ?? 0;
      if (late > 0) await sleep(late);
    }
    const started = clock.now();
    let result: SendResult;
    if ("failure" in prepared) result = prepared.failure;
    else if (commit) result = (commit.append(prepared.message, prepared.channel), { ok: true });
    else result = await sendSafely(() => limiterFor(prepared.channel.definition.id, prepared.channel.definition.limits.concurrency)(() => prepared.channel.instance.send(prepared.message, deps.sendContext)));
    const finished = clock.now();
    const attempt = delivery.attempts + 1;
    const logFields = { event: ctx.event.id, notification: notification.id, delivery: delivery.id, channel: delivery.channel, attempt };
    // The timeline's line for this send (delivery_attempts), recorded with its outcome.
    const attemptLine = (outcome: AttemptOutcome): Attempt => ({
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
      const report = () => {
        metrics.deliveryFinished(delivery.channel, "sent", (clock.now() - ctx.event.receivedAt) / 1000);
        const segments = "facts" in prepared ? prepared.facts()?.segments : undefined;
        if (typeof segments === "number") metrics.deliveryUnits(delivery.channel, "segments", segments);
        logger.log("info", "delivery sent", { ...logFields, providerMessageId: result.providerMessageId, ms: finished - started });
      };
      if (commit) commit.after(report);
      else report();
      return { done: [...record({ status: "sent", providerMessageId: result.providerMessageId ?? null, countAttempt: true }, finished, attemptLine("sent")), ...provider, ...(await statusStatements("sent"))] };
    }

    const error = `${result.code}: ${result.message}`;
    const schedule = backoff(delivery.channel);
    if (result.retryable && attempt < schedule.maxAttempts) {
      const wait = retryDelay(schedule, attempt, result.retryAfterMs);
      logger.log("warn", "delivery will retry", { ...logFields, error, retryInMs: wait });
      metrics.deliveryAttemptFailed(delivery.channel);
      return { retryAt: finished + wait, statements: [...record({ status: "pending", error, countAttempt: true }, finished, attemptLine("retry")), ...provider] };
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
        // A setup gap (no address, channel not configured) sent nothing: the delivery's error tells it, not an attempt.
        ...record({ status, error, countAttempt: !("failure" in prepared) }, finished, "failure" in prepared ? undefined : attemptLine(status)),
        ...provider,
        ...(await statusStatements(status === "dead" ? "dead" : "failed", error)),
        ...(await startFallback(ctx, finished)),
      ],
    };
  }

  /** In-app deliveries of these accepted events that `work` plans due at once: run in their commit (the plan changes only if every run succeeds). */
  async function direct(events: AcceptedEvent[], work: PlannedWork): Promise<DirectBatch | undefined> {
    const due = new Set(work.jobs.filter((j) => j.kind === "deliver" && j.runAt <= clock.now()).map((j) => j.ref));
    const candidates = work.deliveries.filter((d) => d.status === "pending" && due.has(d.id) && channels.get(d.channel)?.definition.inboxItem !== undefined);
    if (candidates.length === 0) return undefined;
    const eventsById = new Map(events.map((e) => [e.id, e]));
    const notifications = new Map(work.notifications.map((n) => [n.id, n]));
    const recipients = await store.deliveries.recipients([...new Set(candidates.map((d) => notifications.get(d.notificationId)!.subscriberId))]);
    const items: InboxAppend[] = [];
    const made: { delivery: PlannedWork["deliveries"][number]; outcome: Outcome; at: number; attempt?: Attempt }[] = [];
    const reports: (() => void)[] = [];
    // What runs add to the commit besides their records: status webhooks (outbox jobs).
    const statements: BatchItem<"sqlite">[] = [];
    for (const delivery of candidates) {
      const notification = notifications.get(delivery.notificationId)!;
      const event = eventsById.get(notification.eventId)!;
      const recipient = recipients.get(notification.subscriberId);
      const rule = (await deps.rules.get(event.type)).find((r) => r.id === notification.ruleId);
      const ctx: DeliveryContext = {
        delivery: { unlessSeen: false, attempts: 0, lastError: null, providerMessageId: null, ...delivery },
        notification: { ...notification, seenAt: null, readAt: null },
        event,
        subscriber: recipient?.subscriber ?? null,
        rule: rule ? { body: rule.body } : null,
        preferences: recipient?.preferences ?? null,
      };
      const outcome = await run(ctx, {
        append: (message, channel) => items.push({ subscriberId: message.subscriber.id, type: "notification", ...channel.definition.inboxItem!(message, clock.now()) }),
        record: (outcome, at, attempt) => made.push({ delivery, outcome, at, attempt }),
        after: (report) => reports.push(report),
      });
      if (outcome && "done" in outcome) statements.push(...outcome.done);
    }
    if (made.length === 0) return undefined;
    // Each delivery is stored as its run recorded it, with no job.
    for (const { delivery, outcome, at } of made) {
      Object.assign(delivery, { status: outcome.status, lastError: outcome.error ?? null, providerMessageId: outcome.providerMessageId ?? null, attempts: outcome.countAttempt ? 1 : 0, updatedAt: at });
    }
    const ids = new Set(made.map((m) => m.delivery.id));
    work.jobs = work.jobs.filter((j) => j.kind !== "deliver" || !ids.has(j.ref));
    const attempts = made.flatMap(({ delivery, attempt }) => (attempt ? [{ deliveryId: delivery.id, ...attempt }] : []));
    return {
      statements: [...store.inbox.appendStatements(items), ...store.deliveries.attemptStatements(attempts), ...statements],
      queuesJobs: statements.length > 0,
      async committed(results) {
        for (const report of reports) report();
        try {
          await deps.realtime.publishAppended(items, results);
        } catch (error) {
          // Stored already: connections that missed the frame find the items when they resume.
          logger.log("warn", "could not publish in-app notifications", { items: items.length, error: errorMessage(error) });
        }
      },
    };
  }

  return {
    direct,
    /** Runs one `deliver` job. */
    async job(job: ClaimedJob): Promise<JobOutcome> {
      const ctx = await loadContext(job.ref);
      if (!ctx || ctx.delivery.status !== "pending") return { done: [] };
      return (await run(ctx)) ?? { done: [] };
    },
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

export type DirectDelivery = ReturnType<typeof createDelivery>["direct"];
