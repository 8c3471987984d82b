import { createECDH, randomBytes, randomInt } from "node:crypto";
import ece from "http_ece";
import { describe, expect, it } from "vitest";
import { decodePushKeys, encryptPushMessage, MAX_PLAINTEXT_BYTES, sealRecord } from "./push-encrypt.js";

const b64u = (text: string) => Buffer.from(text, "base64url");

/**
 * RFC 8291 Appendix A: the worked example (sender key and salt fixed). The published values were
 * cross-checked against independent implementations; the first test also has `http_ece` open it.
 */
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  asPublic: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  auth: "BTBZMqHH6r4Tts7J_aSIgg",
  body:
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
    "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
    "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

/** What a browser does with what arrives: http_ece with the subscription's private key. */
function browserDecrypt(body: Buffer, ua: ReturnType<typeof createECDH>, auth: Buffer): Buffer {
  return ece.decrypt(body, { version: "aes128gcm", privateKey: ua, authSecret: auth.toString("base64url") });
}

function fakeBrowser() {
  const ua = createECDH("prime256v1");
  const p256dh = ua.generateKeys();
  const auth = randomBytes(16);
  return { ua, auth, keys: { p256dh, auth } };
}

describe("push encryption (RFC 8291 aes128gcm)", () => {
  it("reproduces the RFC 8291 Appendix A example byte for byte", () => {
    const sender = createECDH("prime256v1");
    sender.setPrivateKey(b64u(RFC8291.asPrivate));
    const senderPublic = sender.getPublicKey();
    expect(senderPublic.toString("base64url")).toBe(RFC8291.asPublic);
    const plaintext = Buffer.from(RFC8291.plaintext);
    const out = Buffer.alloc(86 + plaintext.length + 1 + 16);
    b64u(RFC8291.salt).copy(out, 0);
    const body = sealRecord(out, plaintext, decodePushKeys(RFC8291.uaPublic, RFC8291.auth), sender, senderPublic);
    expect(body.toString("base64url")).toBe(RFC8291.body);

    const ua = createECDH("prime256v1");
    ua.setPrivateKey(b64u(RFC8291.uaPrivate));
    expect(browserDecrypt(body, ua, b64u(RFC8291.auth)).toString()).toBe(RFC8291.plaintext);
  });

  it("is opened by http_ece for many random payloads, sizes and subscription keys", () => {
    for (let i = 0; i < 300; i++) {
      const browser = fakeBrowser();
      const size = i === 0 ? 0 : i === 1 ? MAX_PLAINTEXT_BYTES : randomInt(0, MAX_PLAINTEXT_BYTES + 1);
      const plaintext = randomBytes(size);
      const body = encryptPushMessage(plaintext, browser.keys);
      expect(body.length).toBe(86 + size + 17);
      expect(browserDecrypt(body, browser.ua, browser.auth).equals(plaintext)).toBe(true);
    }
  });

  it("uses a fresh sender key and salt for every message", () => {
    const browser = fakeBrowser();
    const bodies = Array.from({ length: 200 }, () => encryptPushMessage(Buffer.from("same text"), browser.keys));
    const senderKeys = new Set(bodies.map((b) => b.subarray(21, 86).toString("hex")));
    const salts = new Set(bodies.map((b) => b.subarray(0, 16).toString("hex")));
    expect(senderKeys.size).toBe(200);
    expect(salts.size).toBe(200);
    for (const body of bodies) expect(browserDecrypt(body, browser.ua, browser.auth).toString()).toBe("same text");
  });

  it("is not opened with another subscription's secret or a tampered body", () => {
    const browser = fakeBrowser();
    const body = encryptPushMessage(Buffer.from("secret"), browser.keys);
    expect(() => browserDecrypt(body, browser.ua, randomBytes(16))).toThrow();
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => browserDecrypt(tampered, browser.ua, browser.auth)).toThrow();
  });

  it("refuses malformed keys and oversized payloads", () => {
    const { keys } = fakeBrowser();
    expect(() => encryptPushMessage(Buffer.alloc(MAX_PLAINTEXT_BYTES + 1), keys)).toThrow(/exceeds 3993/);
    expect(() => encryptPushMessage(Buffer.from("x"), { ...keys, auth: randomBytes(12) })).toThrow(/auth/);
    expect(() => encryptPushMessage(Buffer.from("x"), { ...keys, p256dh: keys.p256dh.subarray(0, 33) })).toThrow(/p256dh/);
    // 65 bytes, the right prefix, but not a point on the curve.
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]);
    expect(() => encryptPushMessage(Buffer.from("x"), { ...keys, p256dh: offCurve })).toThrow();
  });
});
