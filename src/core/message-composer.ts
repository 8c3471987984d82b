import type { Store } from "../store/index.js";
import type { DeliveryContext } from "../store/repositories/deliveries.js";
import type { TemplateRecord } from "../store/repositories/templates.js";
import type { TtlCache } from "./cache.js";
import type { BroadcastBody } from "./broadcasts.js";
import type { ChannelMessage, SendResult } from "./channels/define.js";
import type { ChannelRegistry } from "./channels/registry.js";
import { renderChannelContent } from "./channels/content.js";
import { Preferences } from "./preferences.js";
import { selectContent, truncateText, type TemplateContext } from "./rendering.js";
import type { TemplateInput } from "./schemas/template.js";
import type { DigestView } from "./rules/digest.js";

type Failure = Extract<SendResult, { ok: false }>;
type RegisteredChannel = NonNullable<ReturnType<ChannelRegistry["get"]>>;
/** A channel that is installed and configured: it has an instance to send with. */
export type ComposedChannel = RegisteredChannel & { instance: NonNullable<RegisteredChannel["instance"]> };

/** A message ready for its channel, or why it can never be sent (a non-retryable failure). */
export type Composed = { failure: Failure } | { message: ChannelMessage<unknown>; channel: ComposedChannel; facts: () => Record<string, unknown> | undefined; address?: string };

/**
 * Turns a delivery into the message its channel sends: template, locale, rendering, address and
 * suppressions, the unsubscribe link. Shared by the outbox's deliveries and by in-app deliveries
 * made in the commit that accepts their event (delivery.ts), so both send the same thing.
 */
export function createMessageComposer(deps: {
  store: Store;
  channels: ChannelRegistry;
  templates: TtlCache<TemplateRecord | undefined>;
  /** A signed one-click unsubscribe URL for this subscriber and channel. */
  unsubscribeUrl(subscriberId: string, channel: string): Promise<string>;
}) {
  const { store, channels, templates } = deps;

  /** Everything that can fail before the channel is called fails here, as a non-retryable failure. */
  async function compose(ctx: DeliveryContext, policy: MessagePolicy, digest?: DigestView): Promise<Composed> {
    const { delivery } = ctx;
    const channel = channels.get(delivery.channel);
    if (!channel) return fail("unknown_channel", `no channel "${delivery.channel}" is installed`);
    if (!channel.instance) return fail("not_configured", `channel "${delivery.channel}" is not configured (missing ${channel.missing.join(", ")})`);
    const definition = channel.definition;
    const template = await templates.get(delivery.template);
    if (!template) return fail("template_missing", `template "${delivery.template}" does not exist`);
    const content = selectContent(template.body as TemplateInput, delivery.channel, ctx.subscriber?.locale);
    if (!content) return fail("template_missing_channel", `template "${delivery.template}" has no ${delivery.channel} content`);

    const context = templateContext(ctx);
    if (digest) context.digest = digest;
    const subscriber = { id: context.subscriber.id, name: context.subscriber.name ?? null, email: context.subscriber.email ?? null, phone: context.subscriber.phone ?? null, locale: context.subscriber.locale ?? null };
    let address: string | undefined;
    if (definition.address || definition.addressField) {
      address = (definition.addressField ? ctx.addresses?.[definition.addressField.field] : definition.address?.(subscriber)) ?? undefined;
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
    return { message, channel: channel as ComposedChannel, facts: () => definition.describe?.(finalContent), address };
  }

  return { compose, policy: messagePolicy };
}

export type MessageComposer = ReturnType<typeof createMessageComposer>;

export interface MessagePolicy {
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
