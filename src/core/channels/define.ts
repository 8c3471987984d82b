import type { z } from "@hono/zod-openapi";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { OutboundFetch } from "../net/outbound.js";
import type { RetrySchedule } from "../outbox/backoff.js";

/** One configuration field of a channel, declared as data: it drives validation, docs and log masking. */
export interface ConfigField {
  type: "string" | "url" | "number" | "boolean";
  required?: boolean;
  /** Never logged, never shown back; masked wherever config is displayed. */
  secret?: boolean;
  default?: string | number | boolean;
  /** Environment variable the Node, Deno and Workers entrypoints read it from. */
  env?: string;
  description: string;
}

export type ConfigSchema = Record<string, ConfigField>;
export type ConfigValues<S extends ConfigSchema> = { [K in keyof S]: S[K]["required"] extends true ? ResolvedType<S[K]> : ResolvedType<S[K]> | undefined };
type ResolvedType<F extends ConfigField> = F["type"] extends "number" ? number : F["type"] extends "boolean" ? boolean : string;

export interface ChannelLimits {
  /** Longest body the provider accepts; the base truncates by code points before `send`. */
  bodyMaxLength?: number;
  /** Sends in flight at once for this channel. */
  concurrency?: number;
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
  | { ok: true; providerMessageId?: string }
  | {
      ok: false;
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
  /** The SSRF guard for transports other than fetch (SMTP): throws `OutboundError("blocked_address")`. */
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

/** A notification as it goes into a subscriber's stream (the in-app inbox). */
export interface InboxNotification {
  id: string;
  title: string;
  body: string;
  url?: string | null;
  data?: Record<string, unknown> | null;
  createdAt: number;
}

/** What the engine offers channels that deliver inside Herald itself. */
export interface ChannelServices {
  realtime: {
    /** Appends a notification to a subscriber's stream and pushes it to their live connections. */
    deliverNotification(subscriberId: string, item: InboxNotification): Promise<{ seq: number }>;
  };
  push: PushServices;
  links: {
    /** Herald's public base URL (`HERALD_PUBLIC_URL`, else the listening address), without a trailing slash. */
    publicUrl(): string;
    /** Where a provider calls this channel back: `<public url>/v1/channels/<id>/webhook`. */
    webhook(channelId: string): string;
  };
}

/** A browser's push subscription as the push channel sends to it. */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Subscriptions and the server's VAPID identity, for the web push channel. */
export interface PushServices {
  vapid: { publicKey: string; privateKey: string; subject: string };
  subscriptions(subscriberId: string): Promise<PushTarget[]>;
  /** The push service said the subscription is gone (404/410): forget it at once. */
  remove(endpoint: string): Promise<void>;
  succeeded(endpoints: string[]): Promise<void>;
  /** Unread inbox items, so the service worker can keep the app badge in step. */
  unreadCount(subscriberId: string): Promise<number>;
  /** A short-lived token, scoped to receipts, the service worker uses to report seen and clicked. */
  receiptToken(subscriberId: string, ttlSeconds: number): Promise<string>;
  /**
   * Optional, given by a runtime that can encrypt and send off the event loop (Node: sender
   * threads, node/push/transport.ts). Without it the channel encrypts and sends through the
   * engine's fetch, the one path every runtime has.
   */
  transport?: PushTransport;
}

/** One encrypted push message to send: the channel shapes it, the transport encrypts and POSTs it. */
export interface PushDispatch {
  /** The subscription's endpoint, parsed. */
  endpoint: URL;
  /** Lower-case request headers (TTL, Urgency, Topic, Authorization, Content-Encoding…). */
  headers: Record<string, string>;
  plaintext: Uint8Array;
  /** The subscription's keys, decoded: the 65-byte P-256 point and the 16-byte secret. */
  keys: { p256dh: Uint8Array; auth: Uint8Array };
  timeoutMs: number;
}

/** What a push service answered (the body only matters when it refused). */
export interface PushAnswer {
  status: number;
  location: string | null;
  retryAfter: string | null;
  body: string;
}

/**
 * Encrypts (RFC 8291, a fresh sender key each time) and sends push messages. Refuses private
 * addresses (literals, and what names resolve to) unless private networks are allowed. Rejects
 * with an `OutboundError` (timeout, network, blocked_address) or a `PushEncryptionError` (keys it
 * cannot encrypt for); resolves undefined when it cannot serve this endpoint (plain HTTP, an
 * origin without HTTP/2, threads that could not start, a closed transport), and the channel then
 * sends it through fetch.
 */
export interface PushTransport {
  send(message: PushDispatch): Promise<PushAnswer | undefined>;
}

export interface ChannelDefinition<S extends ConfigSchema, Content> {
  /** Stable kebab-case id; rule steps name it in `channel`. */
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
  /** The template content this channel renders (a schema from core/schemas/template.ts). */
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
   * Turns stored template content into what is rendered per message, e.g. MJML into HTML that still
   * holds its Handlebars placeholders. Runs once per template version (the engine caches it), so slow
   * work belongs here. Problems refuse the template at save time. Rendered output is not re-validated
   * against `content` when this hook exists.
   */
  compile?(content: Content): CompileResult | Promise<CompileResult>;
  /** Facts about rendered content for previews and stats (e.g. SMS encoding and segments). */
  describe?(rendered: Record<string, unknown>): Record<string, unknown>;
  /** The subscriber's address on this channel; null when they have none (the step fails over to the fallback). */
  address?(subscriber: ChannelMessage<unknown>["subscriber"]): string | null;
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
   * event (one transaction, no outbox job; core/direct-delivery.ts) and calls `send` only for
   * delayed steps and retries.
   */
  inboxItem?(message: ChannelMessage<Content>, now: number): InboxNotification;
  create(config: ConfigValues<S>, services: ChannelServices): ChannelInstance<Content>;
}

export type AnyChannel = ChannelDefinition<ConfigSchema, any>;

/** Declares a channel plugin. An identity function that keeps the types tight. */
export function defineChannel<S extends ConfigSchema, Content>(definition: ChannelDefinition<S, Content>): ChannelDefinition<S, Content> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.id)) throw new Error(`channel id "${definition.id}" must be kebab-case`);
  return definition;
}
