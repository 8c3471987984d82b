import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { toBase64Url, toHex, utf8 } from "../../lib/encoding.js";
import { apiKeyMatches, generateApiKey, hashApiKey } from "./api-key.js";
import { signedEventId, signPayload, verifySignature } from "./signature.js";
import { generateTokenKey, issueToken, verifyToken } from "./subscriber-token.js";

describe("webhook signatures", () => {
  const secret = "s3cret";
  const body = '{"type":"order.status_changed","data":{"n":"Заказ"}}';
  const now = 1_800_000_000;

  it("match what an independent HMAC implementation computes", async () => {
    // An independent HMAC (pure JavaScript, not WebCrypto) as the reference.
    const expected = toHex(hmac(sha256, utf8(secret), utf8(`${now}.${body}`)));
    expect(await signPayload(secret, body, now)).toBe(`t=${now},v1=${expected}`);
    expect(await verifySignature(secret, `t=${now},v1=${expected}`, body, now + 10)).toEqual({ ok: true, mac: expected });
  });

  it("reject stale, future, tampered and malformed headers with a reason", async () => {
    const header = await signPayload(secret, body, now);
    expect(await verifySignature(secret, header, body, now + 301)).toMatchObject({ ok: false, reason: expect.stringContaining("older") });
    expect(await verifySignature(secret, header, body, now - 301)).toMatchObject({ ok: false });
    expect(await verifySignature(secret, header, body + " ", now)).toMatchObject({ ok: false });
    expect(await verifySignature("other", header, body, now)).toMatchObject({ ok: false });
    expect(await verifySignature(secret, "v1=abc", body, now)).toMatchObject({ ok: false });
    expect(await verifySignature(secret, `t=${now},v1=zz`, body, now)).toMatchObject({ ok: false });
  });

  it("accept any of several v1 values, for secret rotation", async () => {
    const good = (await signPayload(secret, body, now)).split("v1=")[1];
    expect(await verifySignature(secret, `t=${now},v1=${"0".repeat(64)},v1=${good}`, body, now)).toEqual({ ok: true, mac: good });
  });
});

describe("signed events without an id", () => {
  it("are named by the MAC that matched, whatever else the header carries, and never by the MAC itself", async () => {
    const body = '{"type":"t"}';
    const header = await signPayload("s", body, 1_800_000_000);
    const mac = header.split("v1=")[1]!;
    const check = await verifySignature("s", `${header},v1=${"0".repeat(64)}`, body, 1_800_000_000);
    expect(check.ok && signedEventId(check.mac)).toBe(signedEventId(mac));
    expect(signedEventId(mac)).toMatch(/^sig_[0-9a-f]{32}$/);
    expect(signedEventId(mac)).not.toContain(mac.slice(0, 8));
  });
});

describe("API keys", () => {
  it("are stored as a hash and compared against it", async () => {
    const key = generateApiKey();
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    const hash = await hashApiKey(key);
    expect(hash).not.toContain(key);
    expect(await apiKeyMatches(key, hash)).toBe(true);
    expect(await apiKeyMatches(key + "x", hash)).toBe(false);
  });
});

describe("subscriber tokens", () => {
  const key = generateTokenKey();
  it("round-trip and carry the subscriber", async () => {
    const token = await issueToken(key, { sub: "alice", exp: 2_000_000_000 });
    expect(await verifyToken(key, token, 1_900_000_000_000)).toEqual({ sub: "alice", exp: 2_000_000_000 });
  });

  it("are refused when expired, tampered or signed with another key", async () => {
    const token = await issueToken(key, { sub: "alice", exp: 2_000_000_000 });
    expect(await verifyToken(key, token, 2_000_000_000_000)).toBeUndefined();
    const [payload, mac] = token.split(".");
    const forged = toBase64Url(utf8(JSON.stringify({ sub: "mallory", exp: 2_000_000_000 })));
    expect(await verifyToken(key, `${forged}.${mac}`, 0)).toBeUndefined();
    expect(await verifyToken(generateTokenKey(), token, 0)).toBeUndefined();
    expect(await verifyToken(key, `${payload}`, 0)).toBeUndefined();
  });
});
