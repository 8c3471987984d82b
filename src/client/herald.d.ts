/** Types of the browser SDK in herald.js (hand-written: the SDK is one plain ES module). */

export type Transport = "ws" | "sse" | "poll";
export type ConnectionState = "connecting" | "open" | "reconnecting" | "offline";
export type MessageStatus = "sending" | "sent" | "delivered" | "read" | "failed";

export interface HeraldOptions {
  /** Herald's base URL, e.g. "https://herald.example.com"; "" for the page's own origin. */
  url?: string;
  /** A subscriber token from `POST /v1/subscribers/{id}/tokens` (ask your backend for it). */
  token?: string;
  /** Called for the first token and again after a 401 or a failed reconnect round. */
  getToken?: () => string | Promise<string>;
  /** Transports in order of preference; default ["ws", "sse", "poll"]. */
  transports?: Transport[];
  /** Polling period in ms when polling is the transport; default 30000. */
  pollInterval?: number;
  /** Reconnect backoff (full jitter): base and cap in ms; defaults 1000 and 30000. */
  backoffBase?: number;
  backoffCap?: number;
  /** Resume after this seq (e.g. kept from an earlier page); default 0, the whole inbox. */
  after?: number;
  /** The subscriber's own id, to tell own messages; read from the token when left out. */
  subscriberId?: string;
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
  sender: Sender | null;
  clientMessageId: string | null;
  createdAt: string;
  seenAt: string | null;
  readAt: string | null;
}

/** A room message as the server answers it (201 of a post, room history). */
export interface Message {
  id: string;
  topic: string;
  body: string;
  data: Record<string, unknown>;
  sender: Sender | null;
  clientMessageId: string | null;
  createdAt: string;
}

/** A room message as the SDK keeps it: the server's fields plus a stable `key` and, for own messages, a status. */
export interface RoomMessage extends Omit<Message, "id"> {
  /** Stable across the optimistic copy and the server's: clientMessageId, else id. Key your DOM by it. */
  key: string;
  /** null while sending. */
  id: string | null;
  type: "message";
  /** Present when the message came through the stream. */
  seq?: number;
  seenAt?: string | null;
  readAt?: string | null;
  /** Own messages only. */
  status?: MessageStatus;
  /** Why sending failed (status "failed"). */
  error?: string;
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

export interface ReadState {
  id: string;
  seenAt: string | null;
  readAt: string | null;
}

export interface HeraldEvents {
  notification: (item: InboxItem) => void;
  unread: (count: number) => void;
  /** A room message appeared or changed (sending → sent → delivered → read): upsert by `key`. */
  message: (message: RoomMessage) => void;
  typing: (event: TypingEvent) => void;
  receipt: (event: ReceiptEvent) => void;
  state: (event: StateEvent) => void;
  /** Background failures (a refused reconnect, a typing call); the SDK keeps going. */
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

/** base64url → bytes (the VAPID public key for `pushManager.subscribe`). */
export function keyBytes(base64url: string): Uint8Array;

export class Herald {
  constructor(options: HeraldOptions);
  readonly state: ConnectionState;
  readonly transport: Transport | null;
  readonly unreadCount: number;
  /** The resume cursor: the highest seq received. */
  readonly cursor: number;
  /** The subscriber's id once known. */
  readonly me: string | undefined;
  /** Notifications received, oldest first, each once. */
  readonly notifications: InboxItem[];
  readonly push: HeraldPush;
  on<E extends keyof HeraldEvents>(event: E, fn: HeraldEvents[E]): () => void;
  off<E extends keyof HeraldEvents>(event: E, fn: HeraldEvents[E]): void;
  /**
   * Opens the stream: WebSocket, else SSE, else polling (in `transports` order); a transport that ends
   * before carrying anything gives way to the next. Reconnects with full-jitter backoff, resumes after
   * `cursor`, de-duplicates by id and re-joins rooms.
   */
  connect(): this;
  /** Closes the stream; state "offline". `connect()` again resumes from the cursor. */
  close(): void;
  markSeen(id: string): Promise<ReadState>;
  /** Marks read and refreshes the unread count (other tabs get it pushed). */
  markRead(id: string): Promise<ReadState>;
  markAllRead(): Promise<{ count: number }>;
  /** Stops re-joining the room after reconnects (membership itself is the server's business). */
  leave(topic: string): void;
  /** The room's messages known here, oldest first, optimistic ones included. */
  messages(topic: string): RoomMessage[];
  /** Follows a room: loads its recent history now and again after every reconnect (paging back to the last message it has). */
  join(topic: string): Promise<RoomMessage[]>;
  /** One page of room history (newest last); `before` an ISO time for older pages. Merged into `messages(topic)`. */
  history(topic: string, options?: { before?: string; limit?: number }): Promise<Message[]>;
  /**
   * Posts a room message. It shows at once (a `message` event, status "sending") and is replaced, same
   * `key`, by the server's copy from the 201 or the stream, whichever comes first; never twice. Network
   * failures and 5xx are retried with the same clientMessageId; a refusal (4xx) ends as "failed" and rejects.
   */
  send(topic: string, body: string, data?: Record<string, unknown>): Promise<RoomMessage>;
  /** false when throttled (at most one a second per room). */
  typing(topic: string): boolean;
}

/** Full-jitter backoff: a random delay in [0, min(cap, base·2^attempt)). */
export function backoff(attempt: number, base?: number, cap?: number, random?: () => number): number;
export function createDedup(limit?: number): { has(id: string): boolean; add(id: string): boolean };
export function advance(cursor: number, seq: number | undefined): number;
export function findMessage(list: ReadonlyArray<Pick<RoomMessage, "id" | "clientMessageId">>, id?: string | null, clientMessageId?: string | null): number;
export function upsertMessage(list: RoomMessage[], message: Partial<RoomMessage>): RoomMessage;
