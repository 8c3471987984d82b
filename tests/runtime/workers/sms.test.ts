/**
 * The SMS channel's WebCrypto and text handling inside workerd: X-Twilio-Signature verification
 * (Twilio's documented example, and a status callback through the channel's webhook hook), segment
 * counting, and the gateway's body templates, all without node: modules.
 */
import { describe, expect, it } from "vitest";
import { smsChannel } from "../../../src/channels/sms/sms.js";
import { twilioSignatureVerifier } from "../../../src/channels/sms/twilio-signature.js";
import { createChannelRegistry } from "../../../src/core/channels/registry.js";
import { createSendContext } from "../../../src/core/channels/send-context.js";

describe("sms channel on Workers", () => {
  it("verifies Twilio's documented signature example with WebCrypto", async () => {
    const body = new URLSearchParams({ CallSid: "CA1234567890ABCDE", Caller: "+14158675310", Digits: "1234", From: "+14158675310", To: "+18005551212" }).toString();
    const verifier = twilioSignatureVerifier("12345");
    expect(await verifier.verify("https://mycompany.com/myapp.php?foo=1&bar=2", body, "GvWf1cFY/Q7PnoempGyD5oXAezc=")).toBe(true);
    expect(await verifier.verify("https://mycompany.com/myapp.php?foo=1&bar=3", body, "GvWf1cFY/Q7PnoempGyD5oXAezc=")).toBe(false);
  });

  it("turns a signed status callback into a delivery report, and refuses it unsigned", async () => {
    const token = "0123456789abcdef0123456789abcdef";
    const env = { TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32), TWILIO_AUTH_TOKEN: token, TWILIO_FROM: "+15005550006" };
    const instance = createChannelRegistry([smsChannel], env).get("sms")!.instance!;
    const url = "https://herald.example.com/v1/channels/sms/webhook";
    const body = new URLSearchParams({ MessageSid: "SM1", MessageStatus: "delivered", To: "+79161234567" }).toString();
    const signature = await twilioSignatureVerifier(token).sign(url, body);
    const ctx = createSendContext({ allowPrivateNetwork: false });
    const ok = await instance.webhook!({ url, method: "POST", headers: new Headers({ "x-twilio-signature": signature }), body }, ctx);
    expect(ok).toEqual({ status: 204, reports: [{ providerMessageId: "SM1", status: "delivered" }] });
    expect((await instance.webhook!({ url, method: "POST", headers: new Headers(), body }, ctx)).status).toBe(403);
  });

  it("counts segments and builds gateway bodies", () => {
    expect(smsChannel.describe!({ text: "Заказ 1234 передан курьеру 👍" })).toMatchObject({ encoding: "UCS-2", segments: 1 });
    expect(smsChannel.describe!({ text: "€".repeat(81) })).toMatchObject({ encoding: "GSM-7", segments: 2 });
    const gateway = createChannelRegistry([smsChannel], { SMS_GATEWAY_URL: "https://gw.example/send", SMS_GATEWAY_BODY: '{"to":"{{to}}","text":"{{text}}"}' }).get("sms")!;
    expect(gateway.instance).toBeDefined();
  });
});
