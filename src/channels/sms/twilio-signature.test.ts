import { describe, expect, it } from "vitest";
import { twilioSign } from "./twilio.peer.js";
import { signedPayload, twilioSignatureVerifier, urlVariants } from "./twilio-signature.js";

// The worked example of Twilio's webhook security documentation (auth token 12345).
const DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const DOC_PARAMS = { CallSid: "CA1234567890ABCDE", Caller: "+14158675310", Digits: "1234", From: "+14158675310", To: "+18005551212" };
const DOC_SIGNATURE = "GvWf1cFY/Q7PnoempGyD5oXAezc=";

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe("X-Twilio-Signature", () => {
  const docs = twilioSignatureVerifier("12345");

  it("computes the signature of Twilio's documented example", async () => {
    // Parameter order in the body must not matter: Twilio sorts by name.
    const shuffled = form({ To: DOC_PARAMS.To, Digits: DOC_PARAMS.Digits, CallSid: DOC_PARAMS.CallSid, From: DOC_PARAMS.From, Caller: DOC_PARAMS.Caller });
    expect(await docs.sign(DOC_URL, shuffled)).toBe(DOC_SIGNATURE);
    expect(await docs.verify(DOC_URL, shuffled, DOC_SIGNATURE)).toBe(true);
  });

  it("accepts what an independent node:crypto signer produces, with non-ASCII values and encoded characters", async () => {
    const token = "f00dfacef00dfacef00dfacef00dface";
    const verifier = twilioSignatureVerifier(token);
    const url = "https://herald.example.com/v1/channels/sms/webhook?tenant=a%20b";
    const params = { MessageSid: "SM123", MessageStatus: "delivered", To: "+79161234567", Body: "Заказ 1234 & co + 100% 👍", ErrorCode: "" };
    expect(await verifier.verify(url, form(params), twilioSign(token, url, params))).toBe(true);
  });

  it("refuses a tampered body, a tampered URL, a wrong token, and a missing or malformed header", async () => {
    const body = form(DOC_PARAMS);
    expect(await docs.verify(DOC_URL, form({ ...DOC_PARAMS, Digits: "9999" }), DOC_SIGNATURE)).toBe(false);
    expect(await docs.verify(DOC_URL, body + "&Extra=1", DOC_SIGNATURE)).toBe(false);
    expect(await docs.verify(DOC_URL.replace("foo=1", "foo=2"), body, DOC_SIGNATURE)).toBe(false);
    expect(await docs.verify(DOC_URL.replace("https:", "http:"), body, DOC_SIGNATURE)).toBe(false);
    expect(await docs.verify("https://mycompany.com/other.php?foo=1&bar=2", body, DOC_SIGNATURE)).toBe(false);
    expect(await twilioSignatureVerifier("54321").verify(DOC_URL, body, DOC_SIGNATURE)).toBe(false);
    expect(await docs.verify(DOC_URL, body, null)).toBe(false);
    expect(await docs.verify(DOC_URL, body, "")).toBe(false);
    expect(await docs.verify(DOC_URL, body, "not base64!")).toBe(false);
    expect(await docs.verify(DOC_URL, body, DOC_SIGNATURE.slice(0, -4))).toBe(false);
    // One flipped bit in the signature.
    expect(await docs.verify(DOC_URL, body, "HvWf1cFY/Q7PnoempGyD5oXAezc=")).toBe(false);
  });

  it("accepts the URL with or without its default port, as Twilio's libraries do", async () => {
    const body = form(DOC_PARAMS);
    const withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    expect(await docs.verify(withPort, body, DOC_SIGNATURE)).toBe(true);
    expect(await docs.verify(DOC_URL, body, await docs.sign(withPort, body))).toBe(true);
    // A non-default port is part of what is signed.
    expect(await docs.verify("https://mycompany.com:8443/myapp.php?foo=1&bar=2", body, DOC_SIGNATURE)).toBe(false);
    expect(urlVariants("http://u:p@h.example:80/x?y=1")).toEqual(["http://u:p@h.example:80/x?y=1", "http://u:p@h.example/x?y=1"]);
    expect(urlVariants("https://h.example")).toEqual(["https://h.example", "https://h.example:443"]);
  });

  it("signs repeated names in value order and an empty body as the URL alone", () => {
    expect(signedPayload("https://h/x", "b=2&a=2&a=1")).toBe("https://h/xa1a2b2");
    expect(signedPayload("https://h/x", "")).toBe("https://h/x");
  });
});
