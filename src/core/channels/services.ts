/**
 * Services the engine lends channels beyond the network (SendContext): links back to Herald for
 * every channel, and for the channels that declare them, the in-app stream and web push.
 */
/** A notification as it goes into a subscriber's stream (the in-app inbox). */
export interface InboxNotification {
  id: string;
  title: string;
  body: string;
  url?: string | null;
  data?: Record<string, unknown> | null;
  createdAt: number;
}

/** What every channel gets: where Herald can be reached from outside. */
export interface BaseServices {
  links: {
    /** Herald's public base URL (`HERALD_PUBLIC_URL`, else the listening address), without a trailing slash. */
    publicUrl(): string;
    /** Where a provider calls this channel back: `<public url>/v1/channels/<id>/webhook`. */
    webhook(channelId: string): string;
  };
}

/**
 * Engine services only some channels use. A channel names the ones it needs in `needs`; its
 * `create` is typed with those alone and the registry hands it those alone, so the contract every
 * other channel sees stays small.
 */
export interface OptionalServices {
  /** The in-app stream. */
  realtime: RealtimeServices;
  /** Browser push subscriptions, the VAPID identity and the runtime's push transport. */
  push: PushServices;
  /** Recording a declared address (`address: {field}`): one a subscriber proved through a link, or one the provider says moved. */
  addresses: AddressServices;
}

/**
 * For a channel with a declared address (`addressField`). Subscribers link it themselves (Telegram:
 * a deep link whose start token the bot receives): redeem the token Herald issued
 * (`POST /v1/subscribers/{id}/links/{channel}`) and record the address under the channel's field.
 * And when the provider says an address has moved for good, record where it went.
 */
export interface AddressServices {
  /**
   * Redeems `token` (single use) for the subscriber it was issued to, records `address` as their
   * address on `channelId` and lifts a suppression of it. `expired`: the link is too old;
   * `invalid`: forged, used, issued for another channel, or the subscriber is gone;
   * `invalid_address`: `address` fails the declared schema.
   */
  link(channelId: string, token: string, address: string): Promise<{ ok: true; subscriberId: string } | { ok: false; reason: "expired" | "invalid" | "invalid_address" }>;
  /**
   * The provider says the address `from` on `channelId` is now `to`, for everyone who used it (a
   * Telegram group that became a supergroup answers with its new chat id). Every subscriber whose
   * address on the channel is still `from` gets `to`, so later sends go there directly; an address
   * someone changed in the meantime is left alone. `subscribers`: how many were moved;
   * `invalid_address`: `to` fails the declared schema, nothing changed.
   */
  moved(channelId: string, from: string, to: string): Promise<{ ok: true; subscribers: number } | { ok: false; reason: "invalid_address" }>;
}

export type ServiceName = keyof OptionalServices;

/** What a channel that declared `needs: N[]` receives in `create`. */
export type ChannelServices<N extends ServiceName = never> = BaseServices & Pick<OptionalServices, N>;

/**
 * Everything the engine can offer (what `createChannelRegistry` is given). `addresses` may be left
 * out (tests of channels that do not link addresses); the registry then lends one that refuses.
 */
export type EngineServices = BaseServices & Omit<OptionalServices, "addresses"> & Partial<Pick<OptionalServices, "addresses">>;

export interface RealtimeServices {
  /** Appends a notification to a subscriber's stream (once: a repeat appends nothing) and pushes it to their live connections. */
  deliverNotification(subscriberId: string, item: InboxNotification): Promise<void>;
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
 * with an `outboundError` (timeout, network, blocked_address) or a `PushEncryptionError` (keys it
 * cannot encrypt for); resolves undefined when it cannot serve this endpoint (plain HTTP, an
 * origin without HTTP/2, threads that could not start, a closed transport), and the channel then
 * sends it through fetch.
 */
export interface PushTransport {
  send(message: PushDispatch): Promise<PushAnswer | undefined>;
}
