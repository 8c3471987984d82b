import type { z } from "@hono/zod-openapi";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { OutboundFetch } from "../net/outbound.js";

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
  clock: Clock;
  logger: Logger;
}

export interface ChannelInstance<Content> {
  send(message: ChannelMessage<Content>, ctx: SendContext): Promise<SendResult>;
}

/** What the engine offers channels that deliver inside Herald itself. */
export interface ChannelServices {
  realtime: {
    /** Appends a notification to a subscriber's stream and pushes it to their live connections. */
    deliverNotification(
      subscriberId: string,
      item: { id: string; title: string; body: string; url?: string | null; data?: Record<string, unknown> | null; createdAt: number },
    ): Promise<{ seq: number }>;
  };
  push: PushServices;
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
}

export interface ChannelDefinition<S extends ConfigSchema, Content> {
  /** Stable kebab-case id; rule steps name it in `channel`. */
  id: string;
  title: string;
  config: S;
  limits: ChannelLimits;
  /** The template content this channel renders (a schema from core/schemas/template.ts). */
  content: z.ZodType<Content>;
  /** Which content fields hold text limited by `limits.bodyMaxLength`. */
  bodyField?: keyof Content & string;
  create(config: ConfigValues<S>, services: ChannelServices): ChannelInstance<Content>;
}

export type AnyChannel = ChannelDefinition<ConfigSchema, any>;

/** Declares a channel plugin. An identity function that keeps the types tight. */
export function defineChannel<S extends ConfigSchema, Content>(definition: ChannelDefinition<S, Content>): ChannelDefinition<S, Content> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.id)) throw new Error(`channel id "${definition.id}" must be kebab-case`);
  return definition;
}
