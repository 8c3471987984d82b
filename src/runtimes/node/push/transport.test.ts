/**
 * The push channel sending through Node's sender threads (node/push/transport.ts) to the tests'
 * push-service peer over HTTPS/HTTP/2: the peer verifies each VAPID JWT and decrypts each body
 * with `http_ece`, so a message that arrives was encrypted correctly on a thread.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createSecureServer } from "node:http2";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPushService, type PushServicePeer } from "../../../channels/push/push-service.peer.js";
import { pushChannel } from "../../../channels/push/push.js";
import { decodePushKeys } from "../../../lib/push-encrypt.js";
import { issueToken } from "../../../core/auth/subscriber-token.js";
import type { ChannelMessage } from "../../../core/channels/define.js";
import type { PushTarget, PushTransport } from "../../../core/channels/services.js";
import { createChannelRegistry } from "../../../core/channels/registry.js";
import { createSendContext } from "../../../core/channels/send-context.js";
import { generateVapidKeys } from "../../../core/push/vapid.js";
import { createNodeFetch, type NodeFetch } from "../net/fetch.js";
import { createNodePushTransport } from "./transport.js";

let peer: PushServicePeer;
let tls: { key: string; cert: string };
let transport: ReturnType<typeof createNodePushTransport>;
let vapid: { publicKey: string; privateKey: string; subject: string };
const devices = new Map<string, PushTarget[]>();
const removed: string[] = [];

/** The peer's certificate is made here and trusted by nothing: the threads skip verification. */
const unverified = { rejectUnauthorized: false };
/**
 * What the channel sends through when the transport hands a message back (HTTP/1.1 origins): Herald's
 * own Node fetch, told not to verify, as the Node server builds it. Not the global fetch, which only
 * process-wide NODE_TLS_REJECT_UNAUTHORIZED=0 could make skip verification (and Node warns about that).
 */
let fallbackFetch: NodeFetch;
/** Messages the transport handed back to fetch (none should be, to the HTTPS peer). */
let handedToFetch = 0;
const counted = (inner: PushTransport): PushTransport => ({
  async send(message) {
    const answer = await inner.send(message);
    if (answer === undefined) handedToFetch++;
    return answer;
  },
});

beforeAll(async () => {
  fallbackFetch = createNodeFetch({ allowPrivateNetwork: true }, { http2: false, rejectUnauthorized: false });
  const dir = mkdtempSync(join(tmpdir(), "herald-push-tls-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { stdio: "ignore" });
  tls = { key: readFileSync(join(dir, "k.pem"), "utf8"), cert: readFileSync(join(dir, "c.pem"), "utf8") };
  peer = await startPushService({ tls });
  vapid = { ...(await generateVapidKeys()), subject: "mailto:ops@shop.example" };
  transport = createNodePushTransport({ ...unverified, allowPrivateNetwork: true, threads: 2 });
});
afterAll(async () => {
  await transport?.close();
  await peer?.close();
  await fallbackFetch?.close();
});

/**
 * The push channel over `using`. Sends wait up to 10 s by default: a cold sender thread starts in
 * ~0.4 s of CPU, over a second of wall time on a loaded 2-core machine.
 */
function channel(using: PushTransport = counted(transport), timeoutMs = 10_000) {
  return createChannelRegistry([pushChannel], { HERALD_PUSH_TIMEOUT_MS: String(timeoutMs) }, {
    realtime: { deliverNotification: () => Promise.reject(new Error("unused")) },
    push: {
      vapid,
      subscriptions: async (id) => devices.get(id) ?? [],
      remove: async (endpoint) => void removed.push(endpoint),
      succeeded: async () => {},
      unreadCount: async () => 1,
      receiptToken: (sub, ttl) => issueToken("transport-test-key", { sub, exp: Math.floor(Date.now() / 1000) + ttl }),
      transport: using,
    },
    links: { publicUrl: () => "http://127.0.0.1:1", webhook: (id) => `http://127.0.0.1:1/v1/channels/${id}/webhook` },
  }).get("push")!.instance!;
}

function register(subscriberId: string): PushTarget {
  const s = peer.subscribe();
  const target = { endpoint: s.endpoint, ...s.keys };
  devices.set(subscriberId, [target]);
  return target;
}

function restore(saved: { verify?: string; warnings?: string }) {
  for (const [name, value] of [["NODE_TLS_REJECT_UNAUTHORIZED", saved.verify], ["NODE_NO_WARNINGS", saved.warnings]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

const ctx = () => createSendContext({ allowPrivateNetwork: true, fetch: fallbackFetch });
const message = (subscriberId: string, n: number): ChannelMessage<any> => ({
  notificationId: `ntf_t_${n}`,
  deliveryId: `dlv_t_${n}`,
  critical: true,
  category: "orders",
  eventId: `evt_t_${n}`,
  subscriber: { id: subscriberId, name: null, email: null, phone: null, locale: "en" },
  content: { title: `Order #${n}`, body: `Courier on the way (${n})`, tag: `order-${n}` },
  data: {},
});

describe("web push through Node's sender threads", () => {
  it("delivers 60 messages the peer decrypts, each with a valid VAPID JWT", async () => {
    const push = channel();
    for (let i = 0; i < 60; i++) register(`t-${i}`);
    const before = peer.received.length;
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => push.send(message(`t-${i}`, i), ctx())));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results[0]).toMatchObject({ ok: true, providerMessageId: expect.stringContaining("/message/") });
    const got = peer.received.slice(before);
    expect(peer.rejected).toEqual([]);
    expect(got.map((p) => p.payload.title).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `Order #${i}`).sort());
    expect(got[0]!.headers.topic).toMatch(/^order-\d+$/);
    expect(got[0]!.jwt.sub).toBe("mailto:ops@shop.example");
    // Sent by the threads, not by the fallback through fetch.
    expect(handedToFetch).toBe(0);
  });

  it("sends every message of a broadcast burst to its own subscription while the thread's connection is still opening", async () => {
    const fresh = createNodePushTransport({ ...unverified, allowPrivateNetwork: true, threads: 1 });
    try {
      const push = channel(fresh);
      const before = peer.received.length;
      // One tag for all, as a broadcast has: one route, one headers object on the thread.
      const broadcast = (i: number) => ({ ...message(`t-burst-${i}`, 6000 + i), content: { title: `Order #${6000 + i}`, body: "Spring sale", tag: "promo-spring" } });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (register(`t-burst-${i}`), push.send(broadcast(i), ctx()))));
      expect(peer.rejected).toEqual([]);
      expect(results.every((r) => r.ok)).toBe(true);
      expect(peer.received.slice(before).map((p) => p.payload.title).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `Order #${6000 + i}`).sort());
    } finally {
      await fresh.close();
    }
  });

  it("sends each message with its own headers while more routes come and go than a thread keeps", async () => {
    // One thread keeping 4 routes; each order's Topic makes a route of its own, so routes are dropped
    // while messages that use them are still in the same batch.
    const one = createNodePushTransport({ ...unverified, allowPrivateNetwork: true, threads: 1, maxRoutes: 4 });
    try {
      const push = channel(one);
      const before = peer.received.length;
      const orders = [...Array.from({ length: 100 }, (_, i) => 5000 + i), 5000, 5001, 5099];
      for (let wave = 0; wave < orders.length; wave += 50) {
        const results = await Promise.all(orders.slice(wave, wave + 50).map((n, k) => (register(`t-route-${wave + k}`), push.send(message(`t-route-${wave + k}`, n), ctx()))));
        expect(results.every((r) => r.ok)).toBe(true);
      }
      const got = peer.received.slice(before);
      expect(peer.rejected).toEqual([]);
      expect(got).toHaveLength(orders.length);
      for (const push of got) expect(push.headers.topic).toBe(`order-${push.payload.title.slice("Order #".length)}`);
      expect(got.map((p) => p.payload.title).sort()).toEqual(orders.map((n) => `Order #${n}`).sort());
    } finally {
      await one.close();
    }
  });

  it("answers 410 as gone (the subscription removed), 429 with its Retry-After, 500 as retryable", async () => {
    const push = channel();
    const gone = register("t-gone");
    peer.gone.add(gone.endpoint.split("/").pop()!);
    expect(await push.send(message("t-gone", 1000), ctx())).toMatchObject({ ok: false, code: "http_410", retryable: false, undeliverable: true });
    expect(removed).toContain(gone.endpoint);

    register("t-busy");
    peer.script.push({ status: 429, retryAfter: "7" });
    expect(await push.send(message("t-busy", 1001), ctx())).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
    peer.script.push({ status: 500 });
    expect(await push.send(message("t-busy", 1002), ctx())).toMatchObject({ ok: false, retryable: true });
  });

  it("times out a push service that does not answer, and refuses keys that are not on the curve without retrying", async () => {
    const push = channel(undefined, 1000);
    register("t-slow");
    peer.script.push({ delayMs: 3000 });
    expect(await push.send(message("t-slow", 2000), ctx())).toMatchObject({ ok: false, code: "timeout", retryable: true });

    const offCurve = Buffer.alloc(65, 7);
    offCurve[0] = 4;
    devices.set("t-bad", [{ endpoint: peer.subscribe().endpoint, p256dh: offCurve.toString("base64url"), auth: Buffer.alloc(16, 1).toString("base64url") }]);
    expect(await push.send(message("t-bad", 2001), ctx())).toMatchObject({ ok: false, code: "encrypt_failed", retryable: false });
  });

  it("refuses a push-service name that resolves to a private address (checked when the thread connects)", async () => {
    const guarded = createNodePushTransport({ ...unverified, allowPrivateNetwork: false, hosts: { "push.example": "127.0.0.1" }, threads: 1 });
    try {
      const target = register("t-private");
      devices.set("t-private", [{ ...target, endpoint: target.endpoint.replace("127.0.0.1", "push.example") }]);
      const before = peer.count;
      const result = await channel(guarded).send(message("t-private", 3000), createSendContext({ allowPrivateNetwork: false }));
      expect(result).toMatchObject({ ok: false, code: "blocked_address", retryable: false });
      expect(peer.count).toBe(before);
    } finally {
      await guarded.close();
    }
  });

  it("refuses a private IP literal itself (Node connects to literals without a lookup)", async () => {
    const guarded = createNodePushTransport({ ...unverified, allowPrivateNetwork: false, threads: 1 });
    try {
      const before = peer.count;
      await expect(guarded.send({ endpoint: new URL(register("t-literal").endpoint), headers: {}, plaintext: new Uint8Array(1), keys: { p256dh: new Uint8Array(65), auth: new Uint8Array(16) }, timeoutMs: 1000 })).rejects.toMatchObject({ code: "blocked_address" });
      expect(peer.count).toBe(before);
    } finally {
      await guarded.close();
    }
  });

  it("hands an origin that does not speak HTTP/2 back to fetch, and remembers it", async () => {
    const h1 = createHttpsServer(tls, (req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(201, { location: "/message/h1" }).end());
    });
    await new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `https://127.0.0.1:${(h1.address() as AddressInfo).port}/push/x`;
      const keys = peer.subscribe().keys;
      const once = () => transport.send({ endpoint: new URL(endpoint), headers: { ttl: "60" }, plaintext: new Uint8Array(1), keys: decodePushKeys(keys.p256dh, keys.auth), timeoutMs: 2000 });
      expect(await once()).toBeUndefined();
      expect(await once()).toBeUndefined();
      // The channel then sends it through fetch (HTTP/1.1), and it arrives.
      devices.set("t-h1", [{ endpoint, ...keys }]);
      expect(await channel().send(message("t-h1", 4000), ctx())).toMatchObject({ ok: true, providerMessageId: "/message/h1" });
    } finally {
      h1.close();
    }
  });

  it("cuts off a refusal whose body is larger than 64 KiB instead of carrying it back", async () => {
    const chatty = createSecureServer(tls, (req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(400, { "content-type": "text/plain" }).end("x".repeat(200 * 1024)));
    });
    await new Promise<void>((resolve) => chatty.listen(0, "127.0.0.1", resolve));
    try {
      const keys = peer.subscribe().keys;
      const endpoint = new URL(`https://127.0.0.1:${(chatty.address() as AddressInfo).port}/push/x`);
      const error = await transport.send({ endpoint, headers: { ttl: "60" }, plaintext: new Uint8Array(1), keys: decodePushKeys(keys.p256dh, keys.auth), timeoutMs: 2000 }).catch((e) => e);
      expect(error).toMatchObject({ code: "network", message: expect.stringContaining("larger than 65536 bytes") });
    } finally {
      chatty.close();
    }
  });

  it("verifies the push service's certificate unless told not to, whatever NODE_TLS_REJECT_UNAUTHORIZED says", async () => {
    // The thread starts on the first send and takes a copy of the environment then: it sees "0", the
    // setting the transport must not follow. NODE_NO_WARNINGS keeps the thread from printing Node's
    // warning about it; this process's own TLS clients never see either.
    const verifying = createNodePushTransport({ allowPrivateNetwork: true, threads: 1 });
    const target = register("t-cert");
    const saved = { verify: process.env.NODE_TLS_REJECT_UNAUTHORIZED, warnings: process.env.NODE_NO_WARNINGS };
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    process.env.NODE_NO_WARNINGS = "1";
    try {
      // A fresh transport: its thread starts cold (over 2 s on a loaded machine); the refusal itself is immediate.
      const sent = verifying.send({ endpoint: new URL(target.endpoint), headers: {}, plaintext: new Uint8Array(1), keys: decodePushKeys(target.p256dh, target.auth), timeoutMs: 10_000 });
      restore(saved);
      const error = await sent.catch((e) => e);
      expect(error).toMatchObject({ code: "network", message: expect.stringMatching(/certificate/i) });
    } finally {
      restore(saved);
      await verifying.close();
    }
  });

  it("fails what a stopped thread held as a retryable network error at once, and hands later messages to fetch", async () => {
    const stopping = createNodePushTransport({ ...unverified, allowPrivateNetwork: true, threads: 1 });
    try {
      const target = register("t-stop");
      const send = (timeoutMs: number) => stopping.send({ endpoint: new URL(target.endpoint), headers: {}, plaintext: new Uint8Array(1), keys: decodePushKeys(target.p256dh, target.auth), timeoutMs });
      // Answered once: the thread is running (what a thread that never started held goes to fetch instead).
      expect(await send(5000)).toMatchObject({ status: expect.any(Number) });
      peer.script.push({ delayMs: 3000 });
      const started = Date.now();
      const inFlight = send(10_000).catch((e) => e);
      // The thread took the message and is waiting for the push service's answer.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stopping.close();
      expect(await inFlight).toMatchObject({ code: "network", message: expect.stringMatching(/thread stopped/) });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await send(1000)).toBeUndefined();
    } finally {
      await stopping.close();
    }
  });

  it("leaves plain-HTTP endpoints to fetch", async () => {
    expect(await transport.send({ endpoint: new URL("http://127.0.0.1:9/push/x"), headers: {}, plaintext: new Uint8Array(1), keys: { p256dh: new Uint8Array(65), auth: new Uint8Array(16) }, timeoutMs: 100 })).toBeUndefined();
  });
});
