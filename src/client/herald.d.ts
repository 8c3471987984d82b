/**
 * Types of the browser SDK in herald.js (hand-written: the SDK is plain ES modules). The shapes the
 * server sends (InboxItem, ListedItem, ItemState, Message) are checked against the server's zod
 * schemas by src/client/herald-types.test.ts.
 */

export type Transport = "ws" | "sse" | "poll";
export type ConnectionState = "connecting" | "open" | "reconnecting" | "offline";
/** Own room messages: "pending" waits for Herald to be reachable, "failed" was refused (retry or discard it). */
export type MessageStatus = "pending" | "sending" | "sent" | "delivered" | "read" | "failed";

/** The server API this SDK speaks (OpenAPI `info.version`). */
export const API_VERSION: string;

export interface HeraldOptions {
  /** Herald's base URL, e.g. "https://notify.shop.example"; "" for the page's own origin. Another origin must be in HERALD_ALLOWED_ORIGINS. */
  url?: string;
  /** A subscriber token from `POST /v1/subscribers/{id}/tokens` (ask your backend for it). */
  token?: string;
  /** Called for the first token and again after a 401 or a failed reconnect round. */
  getToken?: () => string | Promise<string>;
  /** Transports in order of preference; default ["ws", "sse", "poll"]. */
  transports?: Transport[];
  /**
   * Polling period in ms when polling is the transport; default 30000. When polling is a fallback
   * (the live transports failed), they are tried again before each poll: after backoffCap at first,
   * doubling up to this period, so a client that fell back during a restart returns to them.
   */
  pollInterval?: number;
  /**
   * Reconnect delays ("equal" jitter: half the step plus a random half; the step doubles from base
   * up to cap), in ms; defaults 250 and 1000, so a client is back within a second of the server.
   */
  backoffBase?: number;
  backoffCap?: number;
  /** The cap while the tab is hidden (it probes at once when shown again); default 30000. */
  hiddenBackoffCap?: number;
  /** Resume after this seq (e.g. a first page's `head`); default 0, the whole stream. */
  after?: number;
  /** The subscriber's own id, to tell own messages; read from the token when left out. */
  subscriberId?: string;
  /** Where the outbox of unsent room messages is kept; default localStorage (memory where it is refused). */
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

export interface Sender {
  id: string | null;
  name: string | null;
  system?: boolean;
}

/** An item of the subscriber's stream (docs/realtime.md). */
export interface InboxItem {
  id: string;
  seq: number;
  type: "notification" | "message";
  topic: string | null;
  title: string | null;
  body: string | null;
  url: string | null;
  data: Record<string, unknown>;
  /** Buttons from the template (`realtime.actions`), rendered; empty for room messages. */
  actions: InboxAction[];
  sender: Sender | null;
  clientMessageId: string | null;
  createdAt: string;
  seenAt: string | null;
  readAt: string | null;
}

export interface InboxAction {
  action: string;
  title: string;
  url?: string;
}

/** An item as `notifications.list` answers it: with its archive time. */
export interface ListedItem extends InboxItem {
  archivedAt: string | null;
}

/** An item's read state after a mark (seen, read, unread, archive, unarchive). */
export interface ItemState {
  id: string;
  seenAt: string | null;
  readAt: string | null;
  archivedAt: string | null;
}

/** A page of `notifications.list`. */
export interface InboxPage {
  items: ListedItem[];
  /** The cursor of the next page (pass it as `before` when paging back, as `after` forward); null at the end. */
  next: number | null;
  /** The newest seq of the stream now: `new Herald({after: head})` picks up live where this page left off. */
  head: number;
}

export interface ListOptions {
  /** Oldest first, after this seq. */
  after?: number;
  /** Newest first, before this seq (infinite scroll back); "latest" for the first page. */
  before?: number | "latest";
  /** 1–200; default 20. */
  limit?: number;
  /** Default "notification"; "all" includes room messages. */
  type?: "notification" | "message" | "all";
  unread?: boolean;
  archived?: boolean;
}

/** A room message as the server answers it (201 of a post, room history). */
export interface Message {
  id: string;
  topic: string;
  body: string;
  data: Record<string, unknown>;
  sender: Sender;
  clientMessageId: string | null;
  createdAt: string;
  /** How far it got with the other members: stored, reached a live connection, read. */
  status: "sent" | "delivered" | "read";
  deliveredAt: string | null;
  readAt: string | null;
}

/** A room message as the SDK keeps it: the server's fields plus a stable `key` and, for own messages, a status. */
export interface RoomMessage extends Omit<Message, "id" | "status" | "sender" | "deliveredAt" | "readAt"> {
  /** Stable across the optimistic copy and the server's: clientMessageId, else id. Key your DOM by it. */
  key: string;
  /** null until the server has it. */
  id: string | null;
  type: "message";
  sender: Sender | null;
  /** Present when the message came through the stream. */
  seq?: number;
  seenAt?: string | null;
  deliveredAt?: string | null;
  readAt?: string | null;
  /** Own messages only. */
  status?: MessageStatus;
  /** Why the last send failed ("pending" after a network failure, "failed" after a refusal). */
  error?: string;
  /** Set on the last event of a message dropped with `discard`. */
  discarded?: true;
}

export interface TypingEvent {
  topic: string;
  subscriber: { id: string; name: string | null };
}

export interface ReceiptEvent {
  topic: string;
  messageId: string;
  clientMessageId: string | null;
  status: "delivered" | "read";
  by: string;
}

export interface StateEvent {
  state: ConnectionState;
  transport: Transport | null;
}

/** Unread counts: in all (what the badge of everything shows), notifications alone, and per room. */
export interface UnreadCounts {
  count: number;
  notifications: number;
  rooms: Record<string, number>;
}

export interface Room {
  key: string;
  name: string | null;
  allowMessages: boolean;
  unread: number;
}

export interface Preferences {
  channels?: Record<string, boolean>;
  categories?: Record<string, boolean | Record<string, boolean>>;
  quietHours?: { start: string; end: string } | null;
}

/** A JSON merge patch of Preferences: `null` removes a key. */
export interface PreferencesPatch {
  channels?: Record<string, boolean | null> | null;
  categories?: Record<string, boolean | Record<string, boolean | null> | null> | null;
  quietHours?: { start: string; end: string } | null;
}

export interface Profile {
  id: string;
  name: string | null;
  locale: string | null;
  timezone: string | null;
}

export interface PreferenceOptions {
  channels: { id: string; title: string }[];
  categories: { id: string; title: string }[];
}

export interface HeraldEvents {
  notification: (item: InboxItem) => void;
  /** The unread total changed (once per change). */
  unread: (count: number) => void;
  /** Any of the unread counts changed. */
  counts: (counts: UnreadCounts) => void;
  /** An item's state changed through this client (read, unread, archive…). */
  update: (state: ItemState) => void;
  /** A room message appeared or changed (pending → sending → sent → delivered → read): upsert by `key`. */
  message: (message: RoomMessage) => void;
  typing: (event: TypingEvent) => void;
  receipt: (event: ReceiptEvent) => void;
  state: (event: StateEvent) => void;
  /** Background failures (a refused reconnect, a typing call); the SDK keeps going. A 401 means: renew the token. */
  error: (error: Error & { status?: number; problem?: unknown }) => void;
  /** Web push state changed. */
  push: (state: PushState) => void;
}

export type PushState = "unsupported" | "default" | "denied" | "subscribed" | "unsubscribed";

/** Web push: the service worker, the browser's permission, and the registration with Herald. */
export interface HeraldPush {
  readonly state: PushState;
  /** Call from a user gesture: registers /sw.js, asks permission, subscribes with the VAPID key, registers with Herald. */
  subscribe(options?: { serviceWorker?: string }): Promise<PushState>;
  unsubscribe(): Promise<PushState>;
  /** Reads what the browser already has, without prompting. */
  refresh(): Promise<PushState>;
}

/** The notifications received live (oldest first, each once) with the inbox API as methods. */
export interface NotificationList extends Array<InboxItem> {
  /** One page of the inbox, filtered; see ListOptions. */
  list(options?: ListOptions): Promise<InboxPage>;
  markSeen(id: string): Promise<ItemState>;
  markRead(id: string): Promise<ItemState>;
  markUnread(id: string): Promise<ItemState>;
  /** Records a click on it or one of its buttons (`action`). */
  clicked(id: string, action?: string | null): Promise<{ id: string; clickedAt: string }>;
  /** Also marks it read. */
  archive(id: string): Promise<ItemState>;
  unarchive(id: string): Promise<ItemState>;
  /** Marks every notification read (room messages stay); resolves to how many it marked. */
  markAllRead(): Promise<number>;
}

export interface RoomsApi {
  /** The rooms the subscriber belongs to, with unread counts (also refreshes `counts.rooms`). */
  list(): Promise<Room[]>;
  /** Unread messages in a room, as last known (kept live). */
  unread(topic: string): number;
}

export interface PreferencesApi {
  get(): Promise<Preferences>;
  /** A JSON merge patch; resolves to the preferences now. */
  patch(change: PreferencesPatch): Promise<Preferences>;
  /** The channel and category switches to offer. */
  options(): Promise<PreferenceOptions>;
}

/** base64url → bytes (the VAPID public key for `pushManager.subscribe`). */
export function keyBytes(base64url: string): Uint8Array;

export class Herald {
  constructor(options: HeraldOptions);
  readonly state: ConnectionState;
  readonly transport: Transport | null;
  /** The unread total (own room messages excluded). */
  readonly unreadCount: number;
  readonly counts: UnreadCounts;
  /** The resume cursor: the highest seq received. */
  readonly cursor: number;
  /** The subscriber's id once known. */
  readonly me: string | undefined;
  /** Notifications received live, oldest first, each once; and the inbox API. */
  readonly notifications: NotificationList;
  readonly rooms: RoomsApi;
  readonly preferences: PreferencesApi;
  readonly push: HeraldPush;
  on<E extends keyof HeraldEvents>(event: E, fn: HeraldEvents[E]): () => void;
  off<E extends keyof HeraldEvents>(event: E, fn: HeraldEvents[E]): void;
  /**
   * Opens the stream: WebSocket, else SSE, else polling (in `transports` order); a transport that ends
   * before carrying anything gives way to the next. Reconnects with backoff (at once when the browser
   * goes online or the tab is shown), resumes after `cursor`, de-duplicates by id, re-joins rooms and
   * sends what waits in the outbox.
   */
  connect(): this;
  /** Closes the stream; state "offline". `connect()` again resumes from the cursor. */
  close(): void;
  /** Replaces the token (before it expires, or after a 401); a stream that is down retries at once. */
  setToken(token: string): void;
  /** The subscriber's name, locale and time zone. */
  profile(): Promise<Profile>;
  markSeen(id: string): Promise<ItemState>;
  /** Marks read; the unread count follows (other tabs get it pushed). */
  markRead(id: string): Promise<ItemState>;
  /** Marks everything read, room messages included; resolves to how many it marked. */
  markAllRead(): Promise<number>;
  /** Stops re-joining the room after reconnects (membership itself is the server's business). */
  leave(topic: string): void;
  /** The room's messages known here, oldest first, unsent ones included. */
  messages(topic: string): RoomMessage[];
  /** Follows a room: loads its recent history now and again after every reconnect (paging back to the last message it has). */
  join(topic: string): Promise<RoomMessage[]>;
  /** One page of room history (newest last): older pages from `beforeMessage` (the id of the page's first message) or `before` (an ISO time). Merged into `messages(topic)`. */
  history(topic: string, options?: { before?: string; beforeMessage?: string; limit?: number }): Promise<Message[]>;
  /**
   * Posts a room message. It shows at once (a `message` event) and waits in the outbox (localStorage,
   * across reloads) until the server has it: "sending", or "pending" while Herald cannot be reached,
   * then sent in order on reconnect, never twice (idempotent by clientMessageId). Resolves with the
   * server's copy (same `key`); rejects if the server refuses it (4xx): it stays "failed" for `retry`
   * or `discard`.
   */
  send(topic: string, body: string, data?: Record<string, unknown>): Promise<RoomMessage>;
  /** Sends a pending or failed message now (and probes the connection); false if there is none with this key. */
  retry(key: string): boolean;
  /** Drops an unsent message; false if there is none with this key. */
  discard(key: string): boolean;
  /** false when throttled (at most one a second per room). */
  typing(topic: string): boolean;
}

/** Reconnect delay with equal jitter: in [step/2, step) where step = min(cap, base·2^attempt). */
export function backoff(attempt: number, base?: number, cap?: number, random?: () => number): number;
export function createDedup(limit?: number): { has(id: string): boolean; add(id: string): boolean };
export function advance(cursor: number, seq: number | undefined): number;
export function findMessage(list: ReadonlyArray<Pick<RoomMessage, "id" | "clientMessageId">>, id?: string | null, clientMessageId?: string | null): number;
export function upsertMessage(list: RoomMessage[], message: Partial<RoomMessage>): RoomMessage;
