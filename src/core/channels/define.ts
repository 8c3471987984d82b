import type { z } from "@hono/zod-openapi";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { OutboundFetch } from "../net/outbound.js";
import type { RetrySchedule } from "../outbox/backoff.js";
import type { AdHocContent } from "../broadcasts.js";
import type { ConfigSchema, ConfigValues } from "./config.js";
import type { ChannelServices, InboxNotification, ServiceName } from "./services.js";
import type { ChannelUi } from "./ui.js";

export type { ConfigField, ConfigSchema, ConfigValues } from "./config.js";
export type { AddressServices, BaseServices, ChannelServices, EngineServices, InboxNotification, PushTarget, ServiceName } from "./services.js";
export type { ChannelUi, FieldHint, PreviewHint, PreviewPart } from "./ui.js";

export interface ChannelLimits {
  /** Longest body the provider accepts; the base truncates by code points before `send`. */
  bodyMaxLength?: number;
  /** Sends in flight at once for this channel. */
  concurrency?: number;
  /**
   * Sends per second the provider account allows (an SMS gateway's cap): the outbox spaces this
   * channel's sends to it (core/outbox/rate-limit.ts). An instance's `ratePerSecond` (from its
   * configuration) overrides it.
   */
  ratePerSecond?: number;
}

/** What a channel receives: already rendered, with the ids receivers use to de-duplicate. */
export interface ChannelMessage<Content> {
  notificationId: string;
  deliveryId: string;
  eventId: string;
  subscriber: { id: string; name: string | null; email: string | null; phone: string | null; locale: string | null };
  content: Content;
  /** The event's `data`, for channels that pass it on to the client (in-app, push). */
  data: Record<string, unknown>;
  /** Where to send, from the channel's `address` hook (email address, phone number), already checked against suppressions. */
  address?: string;
  /** Critical messages (orders, security) ignore preferences; everything else is marketing-grade and must offer an unsubscribe. */
  critical: boolean;
  /** The rule's category (or rule id): what an unsubscribe turns off. */
  category: string;
  /** A signed Herald URL that turns this channel off for this category (RFC 8058 one-click); absent for critical messages. */
  unsubscribeUrl?: string;
}

export type SendResult =
  | {
      ok: true;
      providerMessageId?: string;
      /** Which of the channel's providers sent it, for a channel with several (core/channels/failover.ts). */
      provider?: string;
    }
  | {
      ok: false;
      /** Which provider answered last, for a channel with several. */
      provider?: string;
      /** Stable, machine-readable: `timeout`, `network`, `http_429`, `http_500`, `not_configured`, … */
      code: string;
      message: string;
      retryable: boolean;
      /** From the provider's `Retry-After`, when it sent one. */
      retryAfterMs?: number;
      /** The recipient can never be reached this way (e.g. push subscription gone): try the fallback. */
      undeliverable?: boolean;
    };

export interface SendContext {
  fetch: OutboundFetch;
  /** The SSRF guard for transports other than fetch (SMTP): throws `outboundError("blocked_address")`. */
  checkHost(hostname: string): Promise<void>;
  clock: Clock;
  logger: Logger;
}

export interface ChannelInstance<Content> {
  send(message: ChannelMessage<Content>, ctx: SendContext): Promise<SendResult>;
  /**
   * A provider calling back (status callbacks, bounces). Served at `POST /v1/channels/{id}/webhook`
   * without the API key: the channel verifies the caller itself (e.g. `X-Twilio-Signature`).
   */
  webhook?(request: WebhookRequest, ctx: SendContext): Promise<WebhookResult>;
  /** This configuration's account cap, in sends per second; overrides the declaration's `limits.ratePerSecond`. */
  ratePerSecond?: number;
  /**
   * Where a subscriber goes to link their address on this channel, given the signed single-use
   * token Herald issued for them (`POST /v1/subscribers/{id}/links/{channel}`); the channel's
   * webhook then redeems it (`services.addresses`). E.g. Telegram: `https://t.me/<bot>?start=<token>`.
   */
  linkUrl?(token: string, ctx: SendContext): Promise<string>;
}

/**
 * An address a channel declares on subscribers (a Telegram chat id): `PUT /v1/subscribers/{id}`
 * accepts `{<field>: …}` validated by `schema`, `GET` shows it, OpenAPI documents it, erasure
 * removes it, and sends receive it as `message.address`. Stored apart from the fixed columns
 * (store/repositories/subscriber-addresses.ts), so declaring one needs no migration.
 */
export interface DeclaredAddress {
  /** The subscriber field: camelCase, not one of the fixed ones (id, name, email, phone, locale, timezone, data, topics). */
  field: string;
  schema: z.ZodType<string>;
  description: string;
}

export interface WebhookRequest {
  /** The URL as the provider called it: `HERALD_PUBLIC_URL` + path + query when set (what signatures cover behind a proxy). */
  url: string;
  method: string;
  headers: Headers;
  /** The raw body, for signature checks. */
  body: string;
}

export interface WebhookResult {
  status: number;
  body?: string;
  contentType?: string;
  /** Delivery outcomes, by the `providerMessageId` that `send` returned. `failed` starts the rule's fallback step. */
  reports?: { providerMessageId: string; status: "delivered" | "failed"; reason?: string }[];
  /** Addresses the provider says can never be reached (hard bounce, complaint, opt-out): never sent to again. */
  undeliverable?: { address: string; reason: string }[];
}

/** A problem with template content, found when it is saved (path relative to the channel's content). */
export interface ContentProblem {
  path: string;
  message: string;
}

export type CompileResult = { ok: true; content: Record<string, unknown> } | { ok: false; problems: ContentProblem[] };

export interface ChannelDefinition<S extends ConfigSchema, Content, N extends ServiceName = never> {
  /** Stable kebab-case id; rule steps name it in `channel`, templates key their content by it. */
  id: string;
  title: string;
  config: S;
  limits: ChannelLimits;
  /**
   * When failed sends are retried (core/outbox/backoff.ts); fields left out come from the default
   * schedule (10 s doubling to hourly, 32 sends over 11.7–23.4 h). HERALD_RETRY_* override every
   * channel's. E.g. an in-app channel retries fast: `{ baseMs: 1000, capMs: 60_000 }`.
   */
  retry?: RetrySchedule;
  /**
   * The template content this channel renders: an object schema (`z.strictObject`) whose keys are
   * the fields. It is `channels.<id>` of the template API (validation and OpenAPI), and the admin
   * form is derived from it.
   */
  content: z.ZodType<Content>;
  /** Which content fields hold text limited by `limits.bodyMaxLength`. */
  bodyField?: keyof Content & string;
  /**
   * Top-level content fields (after `compile`) that are plain text and never shown as HTML (an SMS,
   * an email subject, a push title): placeholders there are not HTML-escaped. Everywhere else the
   * template default holds and `{{x}}` is escaped.
   */
  plainTextFields?: string[];
  /**
   * Provider answers this channel handles in a way its users should know about, keyed by the
   * failure code or the answer's name, each saying what Herald does and why. README's channel
   * reference lists them under the channel's configuration (`npm run docs:channels`).
   *
   * @example
   * providerAnswers: { slack_fatal_error: "final, not retried: the message may already be posted" }
   */
  providerAnswers?: Record<string, string>;
  /** Hints for the admin template form and preview (core/channels/ui.ts); the form works without them. */
  ui?: ChannelUi;
  /**
   * Content written for one broadcast (`POST /v1/broadcasts` with `content`: title, body, url,
   * image, actions) in this channel's shape. Without it ad hoc broadcasts cannot use the channel.
   * `byDefault`: used when the broadcast names no channels.
   */
  broadcast?: { content(adHoc: AdHocContent): NoInfer<Content>; byDefault?: boolean };
  /**
   * Turns stored template content into what is rendered per message, e.g. MJML into HTML that still
   * holds its Handlebars placeholders. Runs once per template version (the engine caches it), so slow
   * work belongs here. Problems refuse the template at save time. Rendered output is not re-validated
   * against `content` when this hook exists.
   */
  compile?(content: Content): CompileResult | Promise<CompileResult>;
  /** Facts about rendered content for previews and stats (e.g. SMS encoding and segments). */
  describe?(rendered: Record<string, unknown>): Record<string, unknown>;
  /** The subscriber's address on this channel from their fixed fields (email, phone); null when they have none (the step fails over to the fallback). */
  address?(subscriber: ChannelMessage<unknown>["subscriber"]): string | null;
  /**
   * Instead of `address`: a subscriber field of the channel's own that holds the address (Telegram's
   * `telegram`, a chat id). See `DeclaredAddress` for everything derived from it.
   */
  addressField?: DeclaredAddress;
  /** The channel puts an unsubscribe link in every non-critical message (email's List-Unsubscribe): sign one for it. */
  unsubscribeLinks?: boolean;
  /** `defer`: the subscriber's quiet hours hold non-critical messages until they end (SMS, push). Default: never deferred. */
  quietHours?: "defer";
  /**
   * Configuration that is missing although no single field is required (e.g. SMS needs Twilio OR a
   * gateway): names to show; non-empty means the channel is registered as not configured.
   */
  missing?(config: ConfigValues<S>): string[];
  /**
   * For an in-app channel whose `send` only appends to the subscriber's stream: the item it appends.
   * The engine then appends notifications that are due at once inside the commit that accepts their
   * event (one transaction, no outbox job; `direct` in core/delivery.ts) and calls `send` only for
   * delayed steps and retries.
   */
  inboxItem?(message: ChannelMessage<Content>, now: number): InboxNotification;
  /** Engine services beyond `links` this channel uses (services.ts): `create` receives these and no others. */
  needs?: readonly N[];
  create(config: ConfigValues<S>, services: ChannelServices<N>): ChannelInstance<Content>;
}

export type AnyChannel = ChannelDefinition<ConfigSchema, any, ServiceName>;

/**
 * Declares a channel plugin: an identity function that keeps the types tight (choices become
 * unions, `services` holds only what `needs` names).
 *
 * @example
 * export const echoChannel = defineChannel({
 *   id: "echo", title: "Echo", config: {}, limits: {},
 *   content: z.strictObject({ text: z.string().max(100) }),
 *   create: () => ({ send: async () => ({ ok: true }) }),
 * });
 */
export function defineChannel<const S extends ConfigSchema, Content, const N extends ServiceName = never>(
  definition: ChannelDefinition<S, Content, N>,
): ChannelDefinition<S, Content, N> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.id)) throw new Error(`channel id "${definition.id}" must be kebab-case`);
  return definition;
}
