/**
 * One Durable Object per subscriber inbox: it holds that subscriber's live connections and sends
 * them its stream. The store (D1) stays the source of truth for items and their `seq` (appends are
 * one SQL statement that numbers them, committed with the notification in one batch); the object
 * holds sockets and fans frames out. Keeping seq in D1 means an append never waits on an object and
 * the HTTP API, the outbox and the live path all read the same rows.
 *
 * WebSockets use the Hibernation API: the object may be evicted from memory between frames while
 * its sockets stay open. Everything a socket needs afterwards lives in its attachment (subscriber,
 * last seq sent, whether the backlog was sent), and pings are answered by the runtime
 * (`setWebSocketAutoResponse`) without waking the object. SSE streams keep the object in memory
 * while they are open (a streaming response cannot hibernate).
 */
import { DurableObject } from "cloudflare:workers";
import type { DurableObjectState, WebSocket as CfWebSocket } from "@cloudflare/workers-types";
import { type CursorConnection, createCursorDelivery } from "../../../core/realtime/cursor-delivery.js";
import { inboxItem, type StreamFrame, wsText } from "../../../core/realtime/frames.js";
import { intervalGate } from "../../../core/realtime/interval-gate.js";
import { sseResponse } from "../../../core/realtime/sse.js";
import { systemClock } from "../../../core/clock.js";
import { createRealtime, type Realtime } from "../../../core/realtime/service.js";
import type { Store } from "../../../store/index.js";
import { loggerFor, sharedStore } from "../boot.js";
import { createDurableObjectHub } from "../hub.js";
import type { Env } from "../env.js";
import { metered, meteredEnv } from "../meter.js";
import { recordPresence } from "../presence.js";

/** A subscriber with more open tabs than this is refused (429): far below the 32,768 an object can hold. */
export const MAX_CONNECTIONS_PER_INBOX = 256;

interface Attachment {
  /** Subscriber id. */
  s: string;
  /** Last seq sent. */
  seq: number;
  /** Backlog sent, live from here. */
  ready: boolean;
}

function problem(status: number, type: string, title: string, detail: string): Response {
  return new Response(JSON.stringify({ type: `https://herald.dev/problems/${type}`, title, status, detail }), { status, headers: { "content-type": "application/problem+json" } });
}

export class InboxObject extends DurableObject<Env> {
  private readonly sse = new Set<CursorConnection>();
  private readonly delivery = createCursorDelivery((conn) => this.source(conn));
  private readonly subscriberOf = new WeakMap<object, string>();
  private inbox?: { store: Store; realtime: Realtime };
  /** While a relay's `deliver` runs: seqs sent live, handed back for the relay to record in one write. */
  private reported?: number[];

  /**
   * The store and the realtime service, without a whole Herald: an object needs only to read its
   * stream, record deliveries and relay typing. Built once per object (its events share one context).
   */
  private get deps() {
    if (!this.inbox) {
      const store = sharedStore(this.env);
      const logger = loggerFor(this.env);
      // Typing from this subscriber's own sockets is counted here directly rather than by a call to itself.
      const hub = { ...createDurableObjectHub(this.env, logger), claimTyping: async (topic: string, _id: string, now: number, intervalMs: number) => this.claimTyping(topic, now, intervalMs) };
      this.inbox = { store, realtime: createRealtime({ store, hub, clock: systemClock, logger }) };
    }
    return this.inbox;
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx as never, env);
    // The SDK pings every 25 s; the runtime answers without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}') as never);
  }

  private source(conn: CursorConnection) {
    const subscriberId = this.subscriberOf.get(conn.key) ?? (conn.key as unknown as { deserializeAttachment(): Attachment }).deserializeAttachment().s;
    const { store, realtime } = this.deps;
    return {
      subscriberId,
      page: async (after: number, limit: number) => (await store.inbox.page(subscriberId, after, limit)).map(inboxItem),
      unread: () => store.inbox.unreadCount(subscriberId),
      delivered: (seqs: number[]) => (this.reported ? this.reported.push(...seqs) : realtime.delivered(subscriberId, seqs)),
    };
  }

  private socketConnection(ws: CfWebSocket): CursorConnection {
    return {
      key: ws,
      cursor: () => {
        const a = ws.deserializeAttachment() as Attachment;
        return { lastSeq: a.seq, ready: a.ready };
      },
      advance: (seq, ready) => ws.serializeAttachment({ ...(ws.deserializeAttachment() as Attachment), seq, ready }),
      send(frame) {
        ws.send(wsText(frame as StreamFrame));
        return true;
      },
      close(reason) {
        // 4000-4999 are application codes: the SDK reconnects and resumes.
        try {
          ws.close(4000, reason.slice(0, 100));
        } catch {
          /* already closed */
        }
      },
    };
  }

  private connections(): CursorConnection[] {
    return [...this.ctx.getWebSockets().map((ws) => this.socketConnection(ws)), ...this.sse];
  }

  /** A new live connection (WebSocket or SSE) for this subscriber, handed over by the Worker. */
  async fetch(request: Request): Promise<Response> {
    return metered(meteredEnv(this.env), "inbox", "connect", () => this.connect(request));
  }

  private async connect(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const subscriberId = request.headers.get("x-herald-subscriber");
    const after = Number(url.searchParams.get("after") ?? "0");
    if (!subscriberId || !Number.isSafeInteger(after) || after < 0) return problem(400, "invalid-request", "Invalid request", "the inbox object needs a subscriber and a cursor");
    if (this.ctx.getWebSockets().length + this.sse.size >= MAX_CONNECTIONS_PER_INBOX) {
      return problem(429, "too-many-connections", "Too many connections", `this subscriber already has ${MAX_CONNECTIONS_PER_INBOX} live connections`);
    }
    // Listed as connected before the backlog is read: an item the hub did not send here is in it (presence.ts).
    await recordPresence(meteredEnv(this.env), subscriberId, this.ctx.getWebSockets().length + this.sse.size + 1);
    if (url.searchParams.get("transport") === "ws") {
      const pair = new WebSocketPair();
      const [client, server] = Object.values(pair) as [WebSocket, WebSocket];
      const socket = server as unknown as CfWebSocket;
      this.ctx.acceptWebSocket(socket);
      socket.serializeAttachment({ s: subscriberId, seq: after, ready: false } satisfies Attachment);
      // Sends queue on the accepted socket until the client has it: the backlog can start now.
      void this.delivery.catchUp(this.socketConnection(socket));
      return new Response(null, { status: 101, webSocket: client } as ResponseInit);
    }
    return sseResponse((out) => {
      let lastSeq = after;
      let ready = false;
      const conn: CursorConnection = {
        key: {},
        cursor: () => ({ lastSeq, ready }),
        advance: (seq, isReady) => {
          lastSeq = seq;
          ready = isReady;
        },
        send: (frame) => out.send(frame),
        close: (reason) => {
          this.sse.delete(conn);
          out.close(reason);
        },
      };
      this.subscriberOf.set(conn.key, subscriberId);
      this.sse.add(conn);
      void this.delivery.catchUp(conn);
      return () => {
        this.sse.delete(conn);
        void this.presenceAfterClose(subscriberId);
      };
    });
  }

  /**
   * Live frames for this subscriber (from the hub or a relay). With `report`, the seqs sent live are
   * returned instead of recorded here: a relay records those of its 250 subscribers in one write
   * rather than 250. Items sent later by a catch-up (a gap) are recorded here either way. `listed`:
   * the caller found this subscriber in live_connections.
   */
  async deliver(frames: StreamFrame[], options: { report?: boolean; listed?: string } = {}): Promise<{ sockets: number; delivered: number[] }> {
    return metered(meteredEnv(this.env), "inbox", "deliver", async () => this.deliverNow(frames, options));
  }

  private async deliverNow(frames: StreamFrame[], options: { report?: boolean; listed?: string }): Promise<{ sockets: number; delivered: number[] }> {
    const connections = this.connections();
    // Listed as connected (`listed`: the subscriber the caller found), but no one is: a row this
    // object left when it vanished without its close events.
    if (options.listed && connections.length === 0) await recordPresence(meteredEnv(this.env), options.listed, 0);
    const reported: number[] = [];
    this.reported = options.report ? reported : undefined;
    try {
      for (const conn of connections) this.delivery.deliver(conn, frames);
    } finally {
      this.reported = undefined;
    }
    return { sockets: connections.length, delivered: [...new Set(reported)] };
  }

  /** Closes every live connection of this inbox: its subscriber was erased (core/erasure.ts). */
  async disconnect(reason: string): Promise<number> {
    const connections = this.connections();
    for (const conn of connections) conn.close(reason);
    return connections.length;
  }

  private readonly typingGate = intervalGate(1000);

  /** This subscriber may send a typing indicator to `topic` now (at most one per interval). Lost on eviction: harmless. */
  async claimTyping(topic: string, now: number, intervalMs: number): Promise<boolean> {
    return this.typingGate(topic, now, intervalMs);
  }

  /** Client → server frames other than the ping the runtime answers: typing, or a ping spelt otherwise. */
  async webSocketMessage(ws: CfWebSocket, message: string | ArrayBuffer): Promise<void> {
    let frame: { type?: string; topic?: unknown };
    try {
      frame = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      return;
    }
    if (frame.type === "ping") ws.send('{"type":"pong"}');
    else if (frame.type === "typing" && typeof frame.topic === "string") {
      const subscriberId = (ws.deserializeAttachment() as Attachment).s;
      const { store, realtime } = this.deps;
      if (!(await store.topics.isMember(frame.topic, subscriberId))) return;
      const subscriber = await store.subscribers.get(subscriberId);
      await realtime.typing(frame.topic, { id: subscriberId, name: subscriber?.name ?? null });
    }
  }

  async webSocketClose(ws: CfWebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
    await this.presenceAfterClose((ws.deserializeAttachment() as Attachment).s, ws);
  }

  async webSocketError(ws: CfWebSocket): Promise<void> {
    await this.presenceAfterClose((ws.deserializeAttachment() as Attachment).s, ws);
  }

  /** A connection ended: the subscriber's row says how many are left (none: removed). */
  private async presenceAfterClose(subscriberId: string, closing?: CfWebSocket): Promise<void> {
    const left = this.ctx.getWebSockets().filter((w) => w !== closing && w.readyState === 1).length + this.sse.size;
    try {
      await recordPresence(meteredEnv(this.env), subscriberId, left);
    } catch (error) {
      console.warn(JSON.stringify({ level: "warn", msg: "could not record the end of a live connection", subscriberId, error: String(error) }));
    }
  }
}
