/**
 * A push service as RFC 8030/8291/8292 describe it, on 127.0.0.1: POST /push/<id> with an
 * aes128gcm body and `Authorization: vapid t=<jwt>, k=<key>`. It checks the JWT's ES256 signature
 * against k, `aud` equal to its own origin, `exp` within 24 h, `sub` a mailto:/https: URI, then
 * decrypts with `http_ece` using the subscription's private key (made here per fake browser, as a
 * browser would). Answers 201 with a Location; 410 for subscriptions marked gone; scripted answers
 * (429 with Retry-After, 500, …) for the failure cases. `decrypt: false` only counts (benches).
 */
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import { createSecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import ece from "http_ece";
import { nextStep, readBodyBytes } from "../shared/scripted.peer.js";

export interface FakeBrowserSubscription {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  id: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted JSON payload. */
  payload: any;
  plaintextBytes: number;
  jwt: { aud: string; exp: number; sub: string };
  /** The raw `t=` token, to tell reused JWTs from fresh ones. */
  token: string;
  vapidKey: string;
}

export interface PushServicePeer {
  url: string;
  received: ReceivedPush[];
  /** Requests refused because VAPID or decryption failed, with the reason. */
  rejected: string[];
  /** Next answers, used up one by one. */
  script: { status?: number; retryAfter?: string; delayMs?: number }[];
  /** Subscriptions that answer 410 Gone from now on. */
  gone: Set<string>;
  /** Requests counted (decrypted or not). */
  count: number;
  /** A new fake browser subscription whose private key the peer keeps. */
  subscribe(): FakeBrowserSubscription;
  close(): Promise<void>;
}

const b64u = (b: Buffer) => b.toString("base64url");

function checkVapid(header: string | undefined, origin: string): { claims: ReceivedPush["jwt"]; token: string; key: string } | string {
  const match = /^vapid\s+t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!match) return "no vapid Authorization header";
  const [, token, key] = match as unknown as [string, string, string];
  const parts = token.split(".");
  if (parts.length !== 3) return "JWT is not three parts";
  const [h, p, s] = parts as [string, string, string];
  const headerJson = JSON.parse(Buffer.from(h, "base64url").toString());
  if (headerJson.alg !== "ES256") return `JWT alg ${headerJson.alg}`;
  const raw = Buffer.from(key, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return "k is not an uncompressed P-256 point";
  const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) }, format: "jwk" });
  const ok = verify("sha256", Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  if (!ok) return "JWT signature does not verify against k";
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  if (claims.aud !== origin) return `aud ${claims.aud} is not ${origin}`;
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= now || claims.exp > now + 24 * 3600) return `exp ${claims.exp} not within 24 h`;
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) return `sub ${claims.sub} is not mailto:/https:`;
  return { claims, token, key };
}

/** `tls` serves HTTPS with HTTP/2 and HTTP/1.1 (as real push services do; `web-push`'s own sender speaks only HTTP/1.1). */
export async function startPushService(options: { decrypt?: boolean; tls?: { key: string; cert: string } } = {}): Promise<PushServicePeer> {
  const decrypt = options.decrypt ?? true;
  const keys = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  let origin = "";
  let counter = 0;
  const peer = { received: [] as ReceivedPush[], rejected: [] as string[], script: [] as PushServicePeer["script"], gone: new Set<string>(), count: 0 };

  const handler: RequestListener = async (req, res) => {
    const body = await readBodyBytes(req);
    peer.count++;
    const step = await nextStep(peer);
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? "")?.[1];
    const answer = (status: number, text = "", headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "text/plain", ...headers });
      res.end(text);
    };
    if (step?.status) return answer(step.status, `scripted ${step.status}`, step.retryAfter ? { "retry-after": step.retryAfter } : {});
    if (req.method !== "POST" || !id) return answer(404, "no such endpoint");
    if (peer.gone.has(id)) return answer(410, "push subscription has unsubscribed or expired");
    if (!decrypt) return answer(201, "", { location: `${origin}/message/${++counter}` });
    const vapid = checkVapid(req.headers.authorization, origin);
    if (typeof vapid === "string") {
      peer.rejected.push(vapid);
      return answer(403, vapid);
    }
    if (req.headers["content-encoding"] !== "aes128gcm") return answer(415, "content-encoding must be aes128gcm");
    if (req.headers.ttl === undefined) return answer(400, "TTL header required");
    const sub = keys.get(id);
    if (!sub) return answer(404, "unknown subscription");
    let plaintext: Buffer;
    try {
      plaintext = ece.decrypt(body, { version: "aes128gcm", privateKey: sub.ecdh, authSecret: b64u(sub.auth) });
    } catch (error) {
      peer.rejected.push(`decrypt: ${(error as Error).message}`);
      return answer(400, "cannot decrypt");
    }
    peer.received.push({
      id,
      headers: req.headers,
      payload: JSON.parse(plaintext.toString("utf8")),
      plaintextBytes: plaintext.length,
      jwt: vapid.claims,
      token: vapid.token,
      vapidKey: vapid.key,
    });
    answer(201, "", { location: `${origin}/message/${++counter}` });
  };
  const secure = options.tls ? createSecureServer({ ...options.tls, allowHTTP1: true }, handler as never) : undefined;
  const server = (secure ?? createServer(handler)) as Server;
  if (!secure) server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `${options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url: origin,
    subscribe(): FakeBrowserSubscription {
      const ecdh = createECDH("prime256v1");
      const p256dh = ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomBytes(9).toString("base64url");
      keys.set(id, { ecdh, auth });
      return { endpoint: `${origin}/push/${id}`, expirationTime: null, keys: { p256dh: b64u(p256dh), auth: b64u(auth) } };
    },
    close: () =>
      new Promise<void>((resolve) => {
        // An HTTP/2 server has no closeAllConnections; its sessions end with close().
        if (!secure) server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
