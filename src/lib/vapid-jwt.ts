/**
 * The VAPID token (RFC 8292 §2): a JWT signed with ES256 over the push service's origin, an expiry
 * and the sender's contact, on WebCrypto alone. WebCrypto's ECDSA signature is already JWS's form
 * (r‖s, 64 bytes; RFC 7518 §3.4), so no ASN.1 is involved. `web-push` signs the same token through
 * `jws` and builds a PEM key with `asn1.js`/`bn.js`, which were about 170 KiB of the Worker bundle for
 * this one header. The header and claims are byte for byte what `web-push` signs (src/lib/vapid-jwt.test.ts).
 */
import { fromBase64Url, toBase64Url, utf8 } from "./encoding.js";

/** The JWT's claims, in the order `web-push` writes them. */
export interface VapidClaims {
  /** The push service's origin, e.g. `https://fcm.googleapis.com`. */
  aud: string;
  /** Expiry, seconds since the epoch (at most 24 h ahead, RFC 8292 §2). */
  exp: number;
  /** `mailto:` or `https:` contact. */
  sub: string;
}

// Fixed, so the encoded header is computed once; same member order as `web-push`.
const HEADER = toBase64Url(utf8(JSON.stringify({ typ: "JWT", alg: "ES256" })));

/**
 * Imports a VAPID key pair (base64url: the 65-byte uncompressed public point and the 32-byte private
 * scalar, as browsers and `web-push` take them) as an ECDSA P-256 signing key.
 */
export async function importVapidKey(publicKey: string, privateKey: string): Promise<CryptoKey> {
  const point = fromBase64Url(publicKey);
  if (!point || point.length !== 65 || point[0] !== 0x04) throw new TypeError("VAPID public key must be a base64url uncompressed P-256 point (65 bytes)");
  const jwk: JsonWebKey = { kty: "EC", crv: "P-256", x: toBase64Url(point.slice(1, 33)), y: toBase64Url(point.slice(33)), d: privateKey, ext: false };
  return crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
}

/** The signed JWT (`header.payload.signature`, base64url) for these claims. */
export async function signVapidJwt(key: CryptoKey, claims: VapidClaims): Promise<string> {
  const payload = toBase64Url(utf8(JSON.stringify({ aud: claims.aud, exp: claims.exp, sub: claims.sub })));
  const signingInput = `${HEADER}.${payload}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, utf8(signingInput)));
  return `${signingInput}.${toBase64Url(signature)}`;
}

/** The `Authorization` header value for aes128gcm pushes (RFC 8292 §3): `vapid t=<jwt>, k=<public key>`. */
export function vapidAuthorization(jwt: string, publicKey: string): string {
  return `vapid t=${jwt}, k=${publicKey}`;
}
