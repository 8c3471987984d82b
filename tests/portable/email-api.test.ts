/**
 * Email through the HTTP API provider (Resend's wire format, a local peer) and a real Herald process:
 * portable, so it also runs on workerd, where SMTP is not available. MJML compiled at save time,
 * rendered per message, List-Unsubscribe passed as headers, Resend's id recorded, and a signed
 * bounce webhook suppressing the address so the next email goes to the fallback step instead.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { signWebhook, startResendPeer, type ResendPeer } from "../../src/channels/email/resend.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

const WEBHOOK_SECRET = `whsec_${Buffer.from("integration-email-api-webhook-secret").toString("base64")}`;
let herald: HeraldProcess;
let resend: ResendPeer;
let mattermost: MattermostPeer;
let call: ReturnType<typeof api>;

async function deliveries(eventId: string): Promise<{ channel: string; status: string; providerMessageId: string | null }[]> {
  const res = await call("GET", `/v1/events/${eventId}`);
  return res.body?.notifications?.flatMap((n: any) => n.deliveries) ?? [];
}

beforeAll(async () => {
  [resend, mattermost] = await Promise.all([startResendPeer(), startMattermostPeer()]);
  herald = await startHerald({
    env: {
      EMAIL_FROM: "Shop <no-reply@shop.example>",
      EMAIL_API_URL: resend.url,
      EMAIL_API_KEY: resend.apiKey,
      EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET,
      MATTERMOST_WEBHOOK_URL: mattermost.hookUrl,
    },
  });
  call = api(herald.url);
  const saved = await call("PUT", "/v1/templates/api-email", {
    channels: {
      email: { subject: "Order {{data.order}}", mjml: `<mj-section><mj-column><mj-text>Hi {{subscriber.name}}: {{#each data.items}}[{{this}}]{{/each}}</mj-text><mj-button href="{{data.url}}">Open</mj-button></mj-column></mj-section>` },
      mattermost: { text: "no email for {{subscriber.name}}: order {{data.order}}" },
    },
  });
  expect(saved.status).toBe(200);
  await call("PUT", "/v1/rules/api-email", {
    event: "api-email",
    steps: [
      { channel: "email", template: "api-email" },
      { channel: "mattermost", template: "api-email", fallback: true },
    ],
  });
});
afterAll(async () => {
  await herald?.stop();
  await Promise.all([resend?.close(), mattermost?.close()]);
});

describe("email over the HTTP API, end to end", () => {
  it("sends rendered HTML, a text part and the unsubscribe headers, and records Resend's id", async () => {
    await call("PUT", "/v1/subscribers/carol", { name: "Carol <3", email: "carol@example.com" });
    expect((await call("POST", "/v1/events", { id: "api-email-1", type: "api-email", to: "carol", data: { order: 11, items: ["a", "b"], url: "https://shop.example/o/11" } })).status).toBe(202);
    const sent = await eventually(() => resend.emails.find((e) => e.to.includes("carol@example.com")));
    expect(sent.subject).toBe("Order 11");
    expect(sent.html).toContain("Hi Carol &lt;3: [a][b]");
    expect(sent.html).toContain('href="https://shop.example/o/11"');
    expect(sent.text).toContain("Hi Carol <3: [a][b]");
    expect(sent.headers?.["List-Unsubscribe"]).toMatch(/^<https?:\/\/[^>]+\/v1\/unsubscribe\/[^>]+>$/);
    expect(sent.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(sent.idempotencyKey).toBe(sent.headers?.["X-Herald-Notification-Id"]);
    const [email] = await eventually(async () => {
      const list = await deliveries("api-email-1");
      return list.some((d) => d.channel === "email" && d.status === "sent") ? list : undefined;
    });
    expect(email!.providerMessageId).toBe(sent.id);
  });

  it("stops emailing an address after a signed bounce and falls back", async () => {
    await call("PUT", "/v1/subscribers/dave", { name: "Dave", email: "dave@example.com" });
    const body = JSON.stringify({
      type: "email.bounced",
      created_at: new Date().toISOString(),
      data: { email_id: "0b6f1c9e-5d1e-4a4f-9a53-3a1c2f0e7d11", to: ["dave@example.com"], subject: "Order", bounce: { type: "Permanent", subType: "General", message: "550 5.1.1 user unknown" } },
    });
    const res = await fetch(`${herald.url}/v1/channels/email/webhook`, { method: "POST", headers: signWebhook(WEBHOOK_SECRET, body), body });
    expect(res.status).toBe(200);
    await call("POST", "/v1/events", { id: "api-email-2", type: "api-email", to: "dave", data: { order: 12, items: [] } });
    await eventually(() => mattermost.received.find((p) => p.text === "no email for Dave: order 12"));
    expect(resend.emails.some((e) => e.to.includes("dave@example.com"))).toBe(false);
  });
});
