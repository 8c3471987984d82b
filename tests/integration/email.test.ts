/**
 * Email through a real Herald process, a real SMTP server (`smtp-server`, read back with
 * `mailparser`) and a Mattermost peer for fallbacks: MJML refused at save time, sent with
 * List-Unsubscribe on promotions and without it on critical mail, one-click unsubscribe, SMTP 550
 * suppressing the address and starting the fallback, a signed complaint webhook suppressing another.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { signWebhook } from "../../src/channels/email/resend.peer.js";
import { startSmtpPeer, type SmtpPeer } from "../../src/channels/email/smtp.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

const WEBHOOK_SECRET = `whsec_${Buffer.from("integration-email-webhook-secret").toString("base64")}`;
let herald: HeraldProcess;
let smtp: SmtpPeer;
let mattermost: MattermostPeer;
let call: ReturnType<typeof api>;

async function deliveries(eventId: string): Promise<{ channel: string; status: string; providerMessageId: string | null; lastError?: string | null }[]> {
  const res = await call("GET", `/v1/events/${eventId}`);
  return res.body?.notifications?.flatMap((n: any) => n.deliveries) ?? [];
}
const mailTo = (address: string) => smtp.received.filter((m) => m.envelope.to.includes(address));

beforeAll(async () => {
  [smtp, mattermost] = await Promise.all([startSmtpPeer(), startMattermostPeer()]);
  herald = await startHerald({
    env: { EMAIL_FROM: "Shop <no-reply@shop.example>", SMTP_URL: smtp.url, EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET, MATTERMOST_WEBHOOK_URL: mattermost.hookUrl },
  });
  call = api(herald.url);
  const template = await call("PUT", "/v1/templates/order-email", {
    channels: {
      email: {
        subject: "Order {{data.order}}: {{data.status}}",
        mjml: `<mj-section><mj-column><mj-text>Hello {{subscriber.name}}, order {{data.order}} is {{data.status}}.</mj-text>
          {{#each data.items}}<mj-text>{{this}}</mj-text>{{/each}}<mj-button href="{{data.url}}">Track</mj-button></mj-column></mj-section>`,
      },
      mattermost: { text: "email to {{subscriber.name}} failed: order {{data.order}}" },
    },
  });
  expect(template.status).toBe(200);
  for (const [id, critical] of [["promo-email", false], ["receipt-email", true]] as const) {
    await call("PUT", `/v1/rules/${id}`, {
      event: id,
      critical,
      steps: [
        { channel: "email", template: "order-email" },
        { channel: "mattermost", template: "order-email", fallback: true },
      ],
    });
  }
});
afterAll(async () => {
  await herald?.stop();
  await Promise.all([smtp?.close(), mattermost?.close()]);
});

describe("email end to end", () => {
  it("refuses a template with invalid MJML with MJML's message", async () => {
    const res = await call("PUT", "/v1/templates/broken-email", { channels: { email: { subject: "x", mjml: "<mjml><mj-body><mj-sectionx></mj-sectionx></mj-body></mjml>" } } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "channels.email.mjml", message: expect.stringMatching(/mj-sectionx/) })]));
  });

  it("sends a promotion with List-Unsubscribe, a text part and the notification id; its link unsubscribes in one click", async () => {
    await call("PUT", "/v1/subscribers/alice", { name: "Alice", email: "alice@example.com" });
    expect((await call("POST", "/v1/events", { id: "email-e2e-1", type: "promo-email", to: "alice", data: { order: 1, status: "shipped", items: ["Tea", "Cake"], url: "https://shop.example/o/1" } })).status).toBe(202);
    const mail = await eventually(() => mailTo("alice@example.com")[0]);
    expect(mail.mail.subject).toBe("Order 1: shipped");
    expect(mail.mail.html).toContain("Hello Alice, order 1 is shipped.");
    expect(mail.mail.text).toMatch(/Tea[\s\S]*Cake/);
    const [delivery] = await eventually(async () => {
      const list = await deliveries("email-e2e-1");
      return list.some((d) => d.status === "sent") ? list : undefined;
    });
    expect(delivery).toMatchObject({ channel: "email", providerMessageId: mail.mail.messageId });
    expect(mail.mail.headers.get("x-herald-notification-id")).toBeTruthy();
    const unfolded = mail.raw.slice(0, mail.raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
    expect(unfolded).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    const link = /^List-Unsubscribe: <([^>]+)>/m.exec(unfolded)![1]!;
    expect(link.startsWith(`${herald.url}/v1/unsubscribe/`)).toBe(true);
    expect(mail.mail.html).toContain(`href="${link}"`);

    // RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the URL.
    const res = await fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    await call("POST", "/v1/events", { id: "email-e2e-2", type: "promo-email", to: "alice", data: { order: 2, status: "shipped" } });
    await call("POST", "/v1/events", { id: "email-e2e-3", type: "receipt-email", to: "alice", data: { order: 3, status: "paid" } });
    const receipt = await eventually(() => mailTo("alice@example.com").find((m) => m.mail.subject === "Order 3: paid"));
    // Critical mail still arrives, without List-Unsubscribe and without the footer link; the promotion does not.
    expect(receipt.mail.headers.has("list-unsubscribe")).toBe(false);
    expect(receipt.mail.html).not.toContain("/v1/unsubscribe/");
    expect(mailTo("alice@example.com").some((m) => m.mail.subject === "Order 2: shipped")).toBe(false);
  });

  it("suppresses an address the SMTP server rejects with 550 and runs the fallback step", async () => {
    smtp.unknownUsers.add("gone@example.com");
    await call("PUT", "/v1/subscribers/gone", { name: "Gone", email: "gone@example.com" });
    await call("POST", "/v1/events", { id: "email-e2e-4", type: "receipt-email", to: "gone", data: { order: 4, status: "paid" } });
    await eventually(() => mattermost.received.find((p) => p.text === "email to Gone failed: order 4"));
    await call("POST", "/v1/events", { id: "email-e2e-5", type: "receipt-email", to: "gone", data: { order: 5, status: "paid" } });
    await eventually(() => mattermost.received.find((p) => p.text === "email to Gone failed: order 5"));
    const second = await deliveries("email-e2e-5");
    expect(second.find((d) => d.channel === "email")?.lastError ?? "").toMatch(/suppress/);
  });

  it("suppresses an address after a signed complaint webhook, and refuses an unsigned one", async () => {
    await call("PUT", "/v1/subscribers/bob", { name: "Bob", email: "bob@example.com" });
    const body = JSON.stringify({ type: "email.complained", created_at: new Date().toISOString(), data: { email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c", to: ["bob@example.com"], subject: "x" } });
    const unsigned = await fetch(`${herald.url}/v1/channels/email/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(unsigned.status).toBe(401);
    const signed = await fetch(`${herald.url}/v1/channels/email/webhook`, { method: "POST", headers: signWebhook(WEBHOOK_SECRET, body), body });
    expect(signed.status).toBe(200);
    await call("POST", "/v1/events", { id: "email-e2e-6", type: "receipt-email", to: "bob", data: { order: 6, status: "paid" } });
    await eventually(() => mattermost.received.find((p) => p.text === "email to Bob failed: order 6"));
    expect(mailTo("bob@example.com")).toHaveLength(0);
  });
});
