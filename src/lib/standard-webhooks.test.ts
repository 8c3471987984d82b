import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signWebhook, webhookSigningKey, WEBHOOK_SECRET_PATTERN } from "./standard-webhooks.js";

describe("Standard Webhooks signing", () => {
  it("signs so that the reference library verifies, for bodies with any characters", async () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(WEBHOOK_SECRET_PATTERN);
    const key = await webhookSigningKey(secret);
    const now = Math.floor(Date.now() / 1000);
    for (const body of ['{"a":1}', JSON.stringify({ text: "Заказ №1 «готов» 🚚", q: "\u2028\"\\" }), ""]) {
      const headers = await signWebhook(key, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, body);
      expect(() => new Webhook(secret).verify(body, headers, { jsonParse: false })).not.toThrow();
      // Same inputs as the reference's own signer.
      expect(headers["webhook-signature"]).toBe(new Webhook(secret).sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", new Date(now * 1000), body));
    }
  });

  it("produces a signature the reference refuses for a changed body, id or secret", async () => {
    const secret = generateWebhookSecret();
    const headers = await signWebhook(await webhookSigningKey(secret), "msg_1", Math.floor(Date.now() / 1000), '{"a":1}');
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow();
    expect(() => new Webhook(secret).verify('{"a":1}', { ...headers, "webhook-id": "msg_2" })).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify('{"a":1}', headers)).toThrow();
  });

  it("refuses a secret that is not whsec_ and base64", async () => {
    await expect(webhookSigningKey("whsec_not base64!")).rejects.toThrow(/whsec_/);
    await expect(webhookSigningKey("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0")).rejects.toThrow(/whsec_/);
  });
});
