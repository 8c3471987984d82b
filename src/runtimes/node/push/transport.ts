/**
 * Web push on Node, off the event loop: sender threads (node/push/thread.ts) encrypt each message
 * and send it over HTTP/2. The P-256 key agreement that RFC 8291 requires for every message is
 * ~160 µs of CPU, and HTTP/2 another ~100 µs; on the event loop they capped a broadcast at one core
 * (bench/push). Here the event loop shapes the payload and posts it; each thread holds its own
 * connection per push-service origin. `HERALD_PUSH_THREADS` sets how many (default 2; 0: none,
 * the channel then encrypts in process and sends through fetch, as it does on Deno and Workers).
 */
import { isIP } from "node:net";
import type { Worker } from "node:worker_threads";
import type { PushAnswer, PushDispatch, PushTransport } from "../../../core/channels/services.js";
import type { Logger } from "../../../core/logger.js";
import { blockedAddress, isPrivateAddress, outboundError } from "../../../core/net/outbound.js";
import { checkPushKeys, PushEncryptionError } from "../../../lib/push-encrypt.js";
import type { ConnectPolicy } from "../../shared/guarded-lookup.js";
import { type AnswerBatch, packSenderBatch, type PushRoute, type SenderItem, type SenderOutcome, unpackAnswers } from "./protocol.js";
import { threadMailbox } from "../net/thread-mailbox.js";
import { startThread } from "../threads/start-thread.js";

/** Push services answer 201 with a few headers; a refusal's body is a short reason. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/**
 * Routes (origin, headers, policy) a thread keeps, least recently used dropped first. A broadcast
 * is one route; order updates each have their own Topic header, so routes come and go.
 */
const MAX_ROUTES = 256;

interface Waiting {
  resolve(answer: PushAnswer | undefined): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  thread: Sender;
  origin: string;
}

interface Sender {
  worker: Worker;
  mailbox: ReturnType<typeof threadMailbox<SenderItem>>;
  /** Route numbers this thread was given, by route key, least recently used first. */
  routes: Map<string, number>;
  alive: boolean;
  /** The thread started running: what it was handed may have been sent. */
  online: boolean;
}

export interface NodePushTransportOptions extends ConnectPolicy {
  /** Sender threads (default 2; HERALD_PUSH_THREADS). */
  threads?: number;
  /** Verify push services' certificates (default true; false where NODE_TLS_REJECT_UNAUTHORIZED=0). */
  rejectUnauthorized?: boolean;
  logger?: Logger;
  /** Routes each thread keeps (default 256). */
  maxRoutes?: number;
}

export function createNodePushTransport(options: NodePushTransportOptions): PushTransport & { close(): Promise<void> } {
  const count = Math.max(1, options.threads ?? 2);
  const rejectUnauthorized = options.rejectUnauthorized ?? true;
  const maxRoutes = Math.max(1, options.maxRoutes ?? MAX_ROUTES);
  const waiting = new Map<number, Waiting>();
  /** Origins that answered ALPN without h2: sent through fetch (HTTP/1.1) from now on. */
  const http1Origins = new Set<string>();
  let senders: Sender[] | undefined;
  /** The senders still running (a thread that stopped is dropped from it). */
  let live: Sender[] = [];
  /** Threads could not be started, or close() was called: every message goes through fetch. */
  let unavailable = false;
  let closed = false;
  let next = 0;
  let nextId = 0;
  let nextRoute = 0;

  /** Takes a call out of `waiting`; the threads stop holding the process when none is left. */
  function take(id: number): Waiting | undefined {
    const w = waiting.get(id);
    if (!w) return undefined;
    waiting.delete(id);
    clearTimeout(w.timer);
    if (waiting.size === 0) for (const s of senders ?? []) s.worker.unref();
    return w;
  }

  function settle(outcome: SenderOutcome) {
    const w = take(outcome.id);
    if (!w) return;
    if ("http1" in outcome) {
      http1Origins.add(w.origin);
      return w.resolve(undefined);
    }
    if ("error" in outcome) {
      if (outcome.encryption) return w.reject(new PushEncryptionError(outcome.error));
      if (outcome.blocked) return w.reject(blockedAddress(outcome.blocked.host, outcome.blocked.address));
      return w.reject(outboundError("network", `could not reach ${w.origin}: ${outcome.error}`));
    }
    w.resolve({ status: outcome.status, location: outcome.location, retryAfter: outcome.retryAfter, body: outcome.body });
  }

  function start(): Sender[] | undefined {
    const started: Sender[] = [];
    for (let i = 0; i < count; i++) {
      let worker: Worker;
      try {
        worker = startThread(new URL("./thread.ts", import.meta.url));
      } catch (error) {
        options.logger?.log("warn", "a push sender thread could not start", { error: (error as Error).message });
        continue;
      }
      const mailbox = threadMailbox<SenderItem>((items) => {
        const batch = packSenderBatch(items);
        worker.postMessage(batch, [batch.bytes.buffer]);
      });
      const sender: Sender = { worker, mailbox, routes: new Map(), alive: true, online: false };
      worker.once("online", () => (sender.online = true));
      worker.on("message", (batch: AnswerBatch) => unpackAnswers(batch, settle));
      const died = (error: Error) => {
        if (!sender.alive) return;
        sender.alive = false;
        live = live.filter((s) => s !== sender);
        // Push still goes out (encrypted on the event loop, through fetch), only slower: say why.
        if (!closed) options.logger?.log("warn", "a push sender thread stopped", { error: error.message });
        const neverPosted = new Set(sender.mailbox.takeWaiting().flatMap((m) => ("plaintext" in m ? [m.id] : [])));
        for (const [id, w] of [...waiting]) {
          if (w.thread !== sender) continue;
          // A thread that never ran, or a message never posted to it, sent nothing: those go through
          // fetch at once. What a running thread held may have reached the push service: a network
          // error, retried by the outbox.
          if (!sender.online || neverPosted.has(id)) take(id)?.resolve(undefined);
          else settle({ id, error: `push sender thread stopped: ${error.message}` });
        }
      };
      worker.on("error", died);
      worker.on("exit", (code) => died(new Error(`exit code ${code}`)));
      worker.unref();
      started.push(sender);
    }
    return started.length > 0 ? started : undefined;
  }

  /**
   * Header values by number: the route key names the long ones (the VAPID Authorization, ~400
   * characters) by a number, so a key is short to build and hash for every message.
   */
  const valueIds = new Map<string, number>();
  let nextValue = 0;
  const valueId = (value: string) => {
    let id = valueIds.get(value);
    if (id === undefined) {
      // A new JWT per origin every few hours: cleared now and then rather than kept forever (numbers
      // are never reused, so a key from before never names a different value).
      if (valueIds.size >= maxRoutes) valueIds.clear();
      valueIds.set(value, (id = ++nextValue));
    }
    return id;
  };

  /** The number of this route on this thread, posting it first if the thread does not have it. */
  function routeOn(sender: Sender, origin: string, headers: Record<string, string>): number {
    let key = `${rejectUnauthorized ? "verified" : "unverified"} ${origin}`;
    for (const name in headers) {
      const value = headers[name]!;
      // Length-prefixed, so no value can pass for the end of one header and the start of another.
      key += value.length > 64 ? `\n${name}#${valueId(value)}` : `\n${name}:${value.length}:${value}`;
    }
    let id = sender.routes.get(key);
    if (id !== undefined) {
      // Most recently used last.
      sender.routes.delete(key);
      sender.routes.set(key, id);
      return id;
    }
    id = ++nextRoute;
    const route: PushRoute = {
      origin,
      headers: { ":method": "POST", ...headers },
      maxResponseBytes: MAX_RESPONSE_BYTES,
      rejectUnauthorized,
      allowPrivateNetwork: options.allowPrivateNetwork,
      ...(options.hosts ? { hosts: options.hosts } : {}),
    };
    sender.mailbox.post({ define: id, route });
    sender.routes.set(key, id);
    if (sender.routes.size > maxRoutes) {
      const [oldest, oldestId] = sender.routes.entries().next().value!;
      sender.routes.delete(oldest);
      sender.mailbox.post({ forget: oldestId });
    }
    return id;
  }

  return {
    async send(message: PushDispatch): Promise<PushAnswer | undefined> {
      const url = message.endpoint;
      if (url.protocol !== "https:" || http1Origins.has(url.origin) || unavailable || closed) return undefined;
      // Node connects to an IP literal without a lookup, so the thread's guard never sees it: checked here.
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (!options.allowPrivateNetwork && isIP(host) !== 0 && isPrivateAddress(host)) throw blockedAddress(host);
      // Keys are packed by size for the thread.
      checkPushKeys(message.keys);
      if (!senders) {
        senders = start();
        if (!senders) {
          unavailable = true;
          return undefined;
        }
        live = senders;
      }
      if (live.length === 0) return undefined;
      const sender = live[next++ % live.length]!;
      const id = ++nextId;
      const route = routeOn(sender, url.origin, message.headers);
      return new Promise<PushAnswer | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (!waiting.delete(id)) return;
          if (waiting.size === 0) for (const s of senders ?? []) s.worker.unref();
          sender.mailbox.post({ cancel: id });
          reject(outboundError("timeout", `no answer from ${url.origin} within ${message.timeoutMs} ms`));
        }, message.timeoutMs);
        timer.unref?.();
        // In flight: the threads keep the process alive (idle, they never do).
        if (waiting.size === 0) for (const s of senders ?? []) s.worker.ref();
        waiting.set(id, { resolve, reject, timer, thread: sender, origin: url.origin });
        sender.mailbox.post({ id, route, path: url.pathname + url.search, p256dh: message.keys.p256dh, auth: message.keys.auth, plaintext: message.plaintext });
      });
    },
    async close() {
      closed = true;
      const running = senders ?? [];
      senders = undefined;
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
  };
}
