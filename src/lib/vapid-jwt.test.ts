import { createPublicKey, verify } from "node:crypto";
import webPush from "web-push";
import { describe, expect, it } from "vitest";
import { generateVapidKeys } from "../core/push/vapid.js";
import { importVapidKey, signVapidJwt, vapidAuthorization } from "./vapid-jwt.js";

const b64u = (text: string) => Buffer.from(text, "base64url");

/** An independent verifier: node:crypto (OpenSSL) with the public key alone, JWS's r‖s signature form. */
function verifiesWith(publicKey: string, jwt: string): boolean {
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const point = b64u(publicKey);
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") }, format: "jwk" });
  return verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, b64u(s));
}

describe("VAPID JWT on WebCrypto", () => {
  it("signs an ES256 JWT that OpenSSL verifies with the public key, with web-push's header and claims", async () => {
    const keys = await generateVapidKeys();
    const claims = { aud: "https://push.example.net", exp: Math.floor(Date.now() / 1000) + 12 * 3600, sub: "mailto:ops@shop.example" };
    const jwt = await signVapidJwt(await importVapidKey(keys.publicKey, keys.privateKey), claims);
    const oracle = webPush.getVapidHeaders(claims.aud, claims.sub, keys.publicKey, keys.privateKey, "aes128gcm", claims.exp).Authorization;
    const oracleJwt = /^vapid t=([^,]+), k=/.exec(oracle)![1]!;

    expect(verifiesWith(keys.publicKey, jwt)).toBe(true);
    expect(verifiesWith(keys.publicKey, oracleJwt)).toBe(true);
    // ECDSA signatures are randomised; everything before the signature is web-push's exactly.
    expect(jwt.split(".").slice(0, 2)).toEqual(oracleJwt.split(".").slice(0, 2));
    expect(JSON.parse(b64u(jwt.split(".")[0]!).toString())).toEqual({ typ: "JWT", alg: "ES256" });
    expect(JSON.parse(b64u(jwt.split(".")[1]!).toString())).toEqual(claims);
    expect(b64u(jwt.split(".")[2]!)).toHaveLength(64);
    expect(vapidAuthorization(jwt, keys.publicKey)).toBe(`vapid t=${jwt}, k=${keys.publicKey}`);
    expect(oracle).toMatch(/^vapid t=[^,]+, k=/);
  });

  it("produces signatures that fail verification for other claims or another key", async () => {
    const keys = await generateVapidKeys();
    const other = await generateVapidKeys();
    const jwt = await signVapidJwt(await importVapidKey(keys.publicKey, keys.privateKey), { aud: "https://a.example", exp: 1, sub: "mailto:a@b.c" });
    const [h, , s] = jwt.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ aud: "https://b.example", exp: 1, sub: "mailto:a@b.c" })).toString("base64url")}.${s}`;
    expect(verifiesWith(keys.publicKey, forged)).toBe(false);
    expect(verifiesWith(other.publicKey, jwt)).toBe(false);
  });

  it("refuses a public key that is not an uncompressed P-256 point", async () => {
    const keys = await generateVapidKeys();
    await expect(importVapidKey(keys.publicKey.slice(4), keys.privateKey)).rejects.toThrow(/uncompressed P-256 point/);
    await expect(importVapidKey(Buffer.alloc(65, 3).toString("base64url"), keys.privateKey)).rejects.toThrow(/uncompressed/);
  });
});
