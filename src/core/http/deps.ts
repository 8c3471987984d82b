import type { Store } from "../../store/index.js";
import type { ServerSecrets } from "../bootstrap.js";
import type { ChannelRegistry } from "../channels/registry.js";
import type { Clock } from "../clock.js";
import type { AcceptOptions, NewEvent } from "../ingest.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { Configuration } from "../configuration.js";
import type { UpgradeWebSocket } from "hono/ws";
import type { Context } from "hono";
import type { RealtimeHub } from "../realtime/hub.js";
import type { Realtime } from "../realtime/service.js";
import type { PushEndpointPolicy } from "../push/subscription.js";
import type { SendContext, WebhookResult } from "../channels/define.js";
import type { LoginLimit } from "../admin/login-limit.js";
import type { TokenClaims } from "../auth/subscriber-token.js";
import type { SecretBox } from "../status-webhooks/secret-box.js";
import type { StatusEvents } from "../status-webhooks/emitter.js";

/** What the HTTP routes use. Built once per process by `createHerald`. */
export interface HttpDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  channels: ChannelRegistry;
  secrets: ServerSecrets;
  acceptEvent(event: NewEvent, options?: AcceptOptions): Promise<void>;
  /** Rule and template writes (they keep this instance's caches current). */
  configuration: Configuration;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  realtime: Realtime;
  hub: RealtimeHub;
  /** The runtime's WebSocket upgrade (hono's helper for Node, Deno, Workers); absent: no WebSocket. */
  upgradeWebSocket?: UpgradeWebSocket;
  /** Static files served as they are: `/sdk/herald.js`, `/demo/…`. */
  assets: Record<string, { body: string; type: string }>;
  /** Where static files live outside the process (Workers assets): asked for paths `assets` lacks. */
  fetchAsset?: (request: Request) => Promise<Response>;
  /** Origins whose pages may use the subscriber-facing API and the SDK (HERALD_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** The VAPID public key browsers subscribe with, and where subscriptions may point. */
  push: { publicKey: string; policy: PushEndpointPolicy };
  /** Herald's public base URL: what providers and mail clients call back. */
  publicUrl(): string;
  /** What channel webhooks get to make outbound calls (fetch with timeouts, clock, logger). */
  sendContext: SendContext;
  /** Applies delivery reports and undeliverable addresses a provider sent to a channel webhook. */
  applyProviderReports(channel: string, result: Pick<WebhookResult, "reports" | "undeliverable">): Promise<void>;
  /** Issues the signed, single-use tokens of address links (core/addresses/links.ts). */
  addressLinks: { issue(channelId: string, subscriberId: string, ttlSeconds?: number): Promise<{ token: string; expiresAt: number }> };
  /** Who is calling, as a throttling key (net/client-address.ts); undefined when the runtime cannot tell. */
  clientAddress(c: Context): string | undefined;
  /**
   * The admin UI's login: the password check, how many failed attempts are allowed, and where the
   * password comes from (the login page tells an operator without HERALD_ADMIN_PASSWORD what to do).
   */
  admin: { verifyPassword(password: string): Promise<boolean>; loginLimit: LoginLimit; password: { from: "environment" | "generated"; shownIn: string; setWith: string } };
  /** Delivery-status webhooks: endpoint secrets sealed at rest, and where status events are queued. */
  statusWebhooks: { box: SecretBox; events: StatusEvents; allowPrivateNetwork: boolean };
  /** New outbox work is waiting (a replayed message). */
  wakeOutbox(): void;
}

/**
 * Hono context variables set by middleware. `subscriberClaims`: the subscriber token's, on /v1/me/*.
 * `signedEventId`: on a `POST /v1/events` authenticated by its signature, the id derived from it.
 */
export type AppEnv = { Variables: { requestId: string; subscriberId: string; subscriberClaims: TokenClaims; signedEventId: string | undefined } };
