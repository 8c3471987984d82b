import type { Store } from "../../store/index.js";
import { fromBase64Url, toBase64Url } from "../../lib/encoding.js";
import { HeraldError } from "../errors.js";

/** The server's VAPID identity (RFC 8292): base64url keys as browsers and `web-push` take them. */
export interface VapidKeys {
  /** Uncompressed P-256 point, 65 bytes, base64url: what `PushManager.subscribe` gets as `applicationServerKey`. */
  publicKey: string;
  /** The 32-byte private scalar, base64url. */
  privateKey: string;
  /** `mailto:` or `https:` contact the push services may use. */
  subject: string;
}

const DEFAULT_SUBJECT = "mailto:herald@localhost.invalid";
const VAPID_SETTING = "vapid_keys";

/**
 * VAPID keys from `VAPID_PUBLIC_KEY` / `VAPID_PRIVATE_KEY` / `VAPID_SUBJECT`, or made on first start
 * and kept in the settings table. They are stored as they are: there is no key source to encrypt
 * them with at rest (the database is as sensitive as the generated API key hash and token key
 * beside it). A malformed key or subject stops the start, so no push is ever signed with it.
 */
export async function loadVapidKeys(store: Store, env: Record<string, string | undefined>): Promise<VapidKeys> {
  const subject = env.VAPID_SUBJECT || DEFAULT_SUBJECT;
  checkSubject(subject);
  if (env.VAPID_PUBLIC_KEY || env.VAPID_PRIVATE_KEY) {
    if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) throw bad("set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither (to have them generated)");
    const keys = { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject };
    await checkKeyPair(keys);
    return keys;
  }
  // Stored once however many starts race (INSERT … ON CONFLICT DO NOTHING, then read back): every
  // racer signs with the winner's pair, so no browser subscribes to a key that was never kept.
  let stored = await store.settings.get(VAPID_SETTING);
  if (stored === undefined) {
    const candidate = JSON.stringify(await generateVapidKeys());
    stored = (await store.settings.getOrCreate(VAPID_SETTING, () => candidate)).value;
  }
  const { publicKey, privateKey } = JSON.parse(stored) as { publicKey: string; privateKey: string };
  return { publicKey, privateKey, subject };
}

/** A fresh P-256 key pair in VAPID's base64url form. */
export async function generateVapidKeys(): Promise<{ publicKey: string; privateKey: string }> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return { publicKey: toBase64Url(raw), privateKey: jwk.d! };
}

function checkSubject(subject: string) {
  // Safari (web.push.apple.com) refuses anything else; so does RFC 8292 in spirit.
  if (!/^mailto:[^\s@]+@[^\s@]+$/.test(subject) && !/^https:\/\/[^\s/]+/.test(subject)) throw bad("VAPID_SUBJECT must be a mailto: or https: URI");
}

/** The public key is a point on P-256 and the private key is its scalar: import both, compare. */
async function checkKeyPair(keys: VapidKeys) {
  const pub = fromBase64Url(keys.publicKey);
  if (!pub || pub.length !== 65 || pub[0] !== 0x04) throw bad("VAPID_PUBLIC_KEY must be a base64url uncompressed P-256 point (65 bytes)");
  const priv = fromBase64Url(keys.privateKey);
  if (!priv || priv.length !== 32) throw bad("VAPID_PRIVATE_KEY must be a base64url P-256 private key (32 bytes)");
  const x = toBase64Url(pub.slice(1, 33));
  const y = toBase64Url(pub.slice(33));
  try {
    const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x, y, d: keys.privateKey, ext: true }, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    const data = new Uint8Array([1, 2, 3]);
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data);
    const verifyKey = await crypto.subtle.importKey("raw", pub, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, verifyKey, signature, data))) throw new Error("mismatch");
  } catch {
    throw bad("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not a valid P-256 key pair");
  }
}

function bad(message: string) {
  return new HeraldError("bad_config", message, { pluginId: "push" });
}
