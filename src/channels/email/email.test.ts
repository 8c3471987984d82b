import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import { signWebhook, startResendPeer, type ResendPeer } from "./resend.peer.js";
import { startSmtpPeer, type SmtpPeer } from "./smtp.peer.js";
import type { ChannelInstance, ChannelMessage, SendContext, WebhookRequest } from "../../core/channels/define.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { systemClock, type Clock } from "../../core/clock.js";
import { renderContent, type TemplateContext } from "../../core/rendering.js";
import { compileEmail } from "./compile.js";
import { checkedLookup } from "../../runtimes/shared/guarded-lookup.js";
import { createSmtpEmailChannel } from "./smtp.js";
import { emailChannel } from "./email.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { scriptControls } from "../shared/scripted.peer.js";

/** Email as Node and Deno register it: SMTP too, with the runtime's guarded lookup. */
const nodeEmail = createSmtpEmailChannel(checkedLookup);
const FROM = "Shop <no-reply@shop.example>";
const WEBHOOK_SECRET = `whsec_${Buffer.from("a-32-byte-signing-secret-for-tests").toString("base64")}`;

let smtp: SmtpPeer;
let resend: ResendPeer;
beforeAll(async () => {
  [smtp, resend] = await Promise.all([startSmtpPeer(), startResendPeer()]);
});
afterAll(async () => {
  for (const instance of opened) (instance as { close?: () => void }).close?.();
  await Promise.all([smtp.close(), resend.close()]);
});

const ctx = (allowPrivateNetwork = true, clock: Clock = systemClock): SendContext => createSendContext({ allowPrivateNetwork, clock });
const opened: ChannelInstance<unknown>[] = [];
function instance(env: Record<string, string>, channel = nodeEmail): ChannelInstance<unknown> {
  const made = createChannelRegistry([channel], env).get("email")!.instance!;
  opened.push(made);
  return made;
}
const smtpEnv = () => ({ EMAIL_FROM: FROM, SMTP_URL: smtp.url, EMAIL_TIMEOUT_MS: "3000" });

const MJML = `<mj-section><mj-column>
  <mj-text>Hello {{subscriber.name}}, order {{data.order}} is {{data.status}}.</mj-text>
  <mj-button href="{{data.url}}">Track your order</mj-button>
</mj-column></mj-section>`;

let seq = 0;
/** What the engine does per message: render the compiled template, then hand the channel a message. */
async function message(data: Record<string, unknown>, options: { subject?: string; critical?: boolean; email?: string | null; name?: string } = {}): Promise<ChannelMessage<unknown>> {
  const compiled = await compileEmail({ subject: options.subject ?? "Order {{data.order}}: {{data.status}}", mjml: MJML });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  const id = `ntf_email_${++seq}_${Date.now()}`;
  const unsubscribeUrl = options.critical ? undefined : `https://herald.example/v1/unsubscribe/${id}?sig=abc`;
  const context: TemplateContext = {
    data,
    subscriber: { id: "alice", name: options.name ?? "Alice", email: options.email === undefined ? "alice@example.com" : options.email },
    event: { id: "evt", type: "order.status_changed" },
    notification: { id, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) },
  };
  const email = options.email === undefined ? "alice@example.com" : options.email;
  return {
    notificationId: id,
    deliveryId: `dlv_${seq}`,
    eventId: "evt",
    subscriber: { id: "alice", name: options.name ?? "Alice", email, phone: null, locale: "en" },
    content: renderContent(compiled.content, context, nodeEmail.plainTextFields),
    data,
    ...(email ? { address: email } : {}),
    critical: options.critical ?? false,
    category: "orders",
    ...(unsubscribeUrl ? { unsubscribeUrl } : {}),
  };
}

// The shared suite over SMTP: "a 5xx" is a 451 (try later), "a 4xx" a 550 (no such user); SMTP has no Retry-After.
channelConformance({
  channel: nodeEmail,
  content: { subject: "Order 1234", html: "<p>Order <b>1234</b> is with the courier</p>" },
  retryAfter: false,
  timeoutEnv: "EMAIL_TIMEOUT_MS",
  peer: () => ({
    env: { EMAIL_FROM: FROM, SMTP_URL: smtp.url },
    unreachableEnv: { EMAIL_FROM: FROM, SMTP_URL: "smtp://u:p@127.0.0.1:9" },
    failNext: (status) => smtp.script.push({ reply: status >= 500 ? 451 : 550 }),
    codeFor: (status) => (status >= 500 ? "smtp_451" : "smtp_550"),
    hangNext: () => smtp.script.push({ delayMs: 2000 }),
    acceptedIds: () => smtp.acceptedIds(),
  }),
});

// The same suite against the HTTP provider: its failures are HTTP statuses with Retry-After.
channelConformance({
  channel: emailChannel,
  content: { subject: "Order 1234", html: "<p>Order <b>1234</b> is with the courier</p>" },
  timeoutEnv: "EMAIL_TIMEOUT_MS",
  peer: () => ({
    env: { EMAIL_FROM: FROM, EMAIL_API_URL: resend.url, EMAIL_API_KEY: resend.apiKey },
    unreachableEnv: { EMAIL_FROM: FROM, EMAIL_API_URL: "http://127.0.0.1:9", EMAIL_API_KEY: "re_x" },
    ...scriptControls(resend),
    acceptedIds: () => resend.emails.map((e) => e.headers?.["X-Herald-Notification-Id"] ?? ""),
  }),
});

describe("email over SMTP (smtp-server, read back with mailparser)", () => {
  it("delivers subject, HTML, a plain-text part, unsubscribe and de-duplication headers", async () => {
    const m = await message({ order: 1234, status: "with the courier", url: "https://shop.example/track/1234" });
    const result = await instance(smtpEnv()).send(m, ctx());
    expect(result).toMatchObject({ ok: true, providerMessageId: `<${m.notificationId}@shop.example>` });
    const got = smtp.received.at(-1)!;
    expect(got.envelope).toEqual({ from: "no-reply@shop.example", to: ["alice@example.com"] });
    expect(got.mail.subject).toBe("Order 1234: with the courier");
    expect(got.mail.messageId).toBe(`<${m.notificationId}@shop.example>`);
    expect(got.mail.headers.get("x-herald-notification-id")).toBe(m.notificationId);
    expect(got.mail.html).toContain("Hello Alice, order 1234 is with the courier.");
    expect(got.mail.html).toContain('href="https://shop.example/track/1234"');
    expect(got.mail.text).toMatch(/Hello Alice, order 1234 is with the courier\./);
    expect(got.mail.text).toMatch(/Track your order \[https:\/\/shop\.example\/track\/1234\]/);
    expect(got.mail.text!.replace(/\s+/g, " ")).toContain(`Unsubscribe from these emails [https://herald.example/v1/unsubscribe/${m.notificationId}?sig=abc]`);
    const headers = got.raw.slice(0, got.raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " "); // unfolded (RFC 5322 2.2.3)
    expect(headers).toMatch(new RegExp(`^List-Unsubscribe: <https://herald\\.example/v1/unsubscribe/${m.notificationId}\\?sig=abc>\r?$`, "m"));
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(smtp.acceptedIds()).toContain(m.notificationId);
  });

  it("sends critical (transactional) email without List-Unsubscribe and without the unsubscribe link", async () => {
    const m = await message({ order: 7, status: "paid", url: "https://shop.example/o/7" }, { critical: true });
    expect(await instance(smtpEnv()).send(m, ctx())).toMatchObject({ ok: true });
    const got = smtp.received.at(-1)!;
    expect(got.mail.headers.has("list-unsubscribe")).toBe(false);
    expect(got.mail.headers.has("list-unsubscribe-post")).toBe(false);
    expect(got.mail.html).not.toContain("Unsubscribe");
  });

  it("cannot be made to add headers through CR/LF in the subject or the name", async () => {
    const m = await message(
      { order: "1\r\nBcc: victim@evil.example", status: "x\nX-Injected: yes", url: "https://shop.example" },
      { subject: "Order {{data.order}} {{data.status}} {{subscriber.name}}", name: "Eve\r\n\r\n<h1>body</h1>" },
    );
    expect(await instance(smtpEnv()).send(m, ctx())).toMatchObject({ ok: true });
    const got = smtp.received.at(-1)!;
    expect(got.envelope.to).toEqual(["alice@example.com"]);
    expect(got.mail.headers.has("bcc")).toBe(false);
    expect(got.mail.headers.has("x-injected")).toBe(false);
    expect(got.mail.subject).toBe("Order 1 Bcc: victim@evil.example x X-Injected: yes Eve <h1>body</h1>");
    expect(got.mail.html).toContain("&lt;h1&gt;body&lt;/h1&gt;");
    expect(got.mail.html).not.toContain("<h1>body</h1>");
  });

  it("refuses an address that is not a plain user@domain (no header smuggling through the address)", async () => {
    const m = await message({ order: 1, status: "x", url: "https://s.example" }, { email: "alice@example.com\r\nBcc: x@evil.example" });
    expect(await instance(smtpEnv()).send(m, ctx())).toMatchObject({ ok: false, code: "invalid_address", retryable: false, undeliverable: true });
  });

  it("fails over when the subscriber has no email address", async () => {
    expect(nodeEmail.address!({ id: "s", name: null, email: null, phone: null, locale: null })).toBeNull();
    const m = await message({ order: 1, status: "x", url: "https://s.example" }, { email: null });
    expect(await instance(smtpEnv()).send(m, ctx())).toMatchObject({ ok: false, code: "no_address", undeliverable: true, retryable: false });
  });

  it("treats 451 and 421 (try again later) as retryable", async () => {
    const channel = instance(smtpEnv());
    smtp.script.push({ reply: 451 });
    expect(await channel.send(await message({ order: 1 }), ctx())).toMatchObject({ ok: false, code: "smtp_451", retryable: true });
    smtp.script.push({ reply: 421, at: "mail" });
    expect(await channel.send(await message({ order: 2 }), ctx())).toMatchObject({ ok: false, code: "smtp_421", retryable: true });
    expect(await channel.send(await message({ order: 3 }), ctx())).toMatchObject({ ok: true });
  });

  it("treats 550 for the recipient as final and undeliverable", async () => {
    smtp.unknownUsers.add("gone@example.com");
    const m = await message({ order: 1 }, { email: "gone@example.com" });
    const result = await instance(smtpEnv()).send(m, ctx());
    expect(result).toMatchObject({ ok: false, code: "smtp_550", retryable: false, undeliverable: true });
    expect((result as { message: string }).message).toMatch(/does not exist/);
  });

  it("treats a 554 content rejection as final but not as a bad address", async () => {
    smtp.script.push({ reply: 554, at: "data" });
    const result = await instance(smtpEnv()).send(await message({ order: 1 }), ctx());
    expect(result).toMatchObject({ ok: false, code: "smtp_554", retryable: false });
    expect((result as { undeliverable?: boolean }).undeliverable).toBeUndefined();
  });

  it("times out a stalled server as a retryable failure", async () => {
    smtp.script.push({ delayMs: 2000 });
    const started = Date.now();
    const result = await instance({ ...smtpEnv(), EMAIL_TIMEOUT_MS: "300" }).send(await message({ order: 1 }), ctx());
    expect(result).toMatchObject({ ok: false, code: "timeout", retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("reports an unreachable server as a retryable network failure", async () => {
    const result = await instance({ ...smtpEnv(), SMTP_URL: "smtp://u:p@127.0.0.1:9" }).send(await message({ order: 1 }), ctx());
    expect(result).toMatchObject({ ok: false, code: "network", retryable: true });
  });

  it("refuses a private SMTP host unless private networks are allowed", async () => {
    const before = smtp.received.length;
    const result = await instance(smtpEnv()).send(await message({ order: 1 }), ctx(false));
    expect(result).toMatchObject({ ok: false, code: "blocked_address", retryable: false });
    expect(smtp.received.length).toBe(before);
  });

  it("reports wrong SMTP credentials as a final failure", async () => {
    const url = smtp.url.replace("s3cret-pw", "wrong");
    expect(await instance({ ...smtpEnv(), SMTP_URL: url }).send(await message({ order: 1 }), ctx())).toMatchObject({ ok: false, code: "smtp_535", retryable: false });
  });
});

describe("email over the Resend HTTP API", () => {
  const env = () => ({ EMAIL_FROM: FROM, EMAIL_API_URL: resend.url, EMAIL_API_KEY: resend.apiKey, EMAIL_REPLY_TO: "help@shop.example" });

  it("posts the documented JSON with the headers, a text part and the notification id as Idempotency-Key", async () => {
    const m = await message({ order: 55, status: "delivered", url: "https://shop.example/o/55" });
    const result = await instance(env(), emailChannel).send(m, ctx());
    const sent = resend.emails.at(-1)!;
    expect(result).toEqual({ ok: true, providerMessageId: sent.id });
    expect(sent).toMatchObject({
      from: FROM,
      to: ["alice@example.com"],
      subject: "Order 55: delivered",
      reply_to: "help@shop.example",
      idempotencyKey: m.notificationId,
      headers: {
        "X-Herald-Notification-Id": m.notificationId,
        "Message-ID": `<${m.notificationId}@shop.example>`,
        "List-Unsubscribe": `<https://herald.example/v1/unsubscribe/${m.notificationId}?sig=abc>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
    });
    expect(sent.html).toContain("Hello Alice, order 55 is delivered.");
    expect(sent.text).toContain("Track your order [https://shop.example/o/55]");
  });

  it("sends a retried notification once (same Idempotency-Key, same provider id)", async () => {
    const m = await message({ order: 56 });
    const channel = instance(env(), emailChannel);
    const before = resend.emails.length;
    const [a, b] = [await channel.send(m, ctx()), await channel.send(m, ctx())];
    expect(a).toEqual(b);
    expect(resend.emails.length).toBe(before + 1);
  });

  it("reports a wrong API key as a final failure with Resend's message", async () => {
    const result = await instance({ ...env(), EMAIL_API_KEY: "re_wrong" }, emailChannel).send(await message({ order: 1 }), ctx());
    expect(result).toMatchObject({ ok: false, code: "http_403", retryable: false, message: expect.stringContaining("invalid_api_key") });
  });
});

describe("email webhook (Resend events, Svix signatures)", () => {
  const channel = () => instance({ EMAIL_FROM: FROM, EMAIL_API_URL: resend.url, EMAIL_API_KEY: resend.apiKey, EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET }, emailChannel);
  const request = (body: string, headers = signWebhook(WEBHOOK_SECRET, body)): WebhookRequest => ({ url: "https://herald.example/v1/channels/email/webhook", method: "POST", headers, body });
  const event = (type: string, data: Record<string, unknown>) =>
    JSON.stringify({ type, created_at: "2026-11-22T05:00:00.000Z", data: { email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c", from: FROM, to: ["bounced@example.com"], subject: "Order", created_at: "2026-11-22T04:59:58.000Z", ...data } });

  it("marks a permanently bounced address undeliverable and the message failed", async () => {
    const result = await channel().webhook!(request(event("email.bounced", { bounce: { type: "Permanent", subType: "General", message: "550 5.1.1 user unknown" } })), ctx());
    expect(result).toMatchObject({
      status: 200,
      undeliverable: [{ address: "bounced@example.com", reason: expect.stringContaining("Permanent") }],
      reports: [{ providerMessageId: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c", status: "failed" }],
    });
  });

  it("marks a complaining address undeliverable", async () => {
    expect(await channel().webhook!(request(event("email.complained", {})), ctx())).toMatchObject({ status: 200, undeliverable: [{ address: "bounced@example.com", reason: "complaint" }] });
  });

  it("reports delivery by provider message id and ignores transient bounces and other events", async () => {
    expect(await channel().webhook!(request(event("email.delivered", {})), ctx())).toMatchObject({ status: 200, reports: [{ providerMessageId: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c", status: "delivered" }] });
    const transient = await channel().webhook!(request(event("email.bounced", { bounce: { type: "Transient", subType: "MailboxFull" } })), ctx());
    expect(transient.undeliverable).toBeUndefined();
    const opened = await channel().webhook!(request(event("email.opened", {})), ctx());
    expect(opened).toMatchObject({ status: 200 });
    expect(opened.reports).toBeUndefined();
  });

  it("refuses a forged, altered or replayed webhook", async () => {
    const body = event("email.complained", {});
    expect((await channel().webhook!(request(body, signWebhook(`whsec_${Buffer.from("another-secret").toString("base64")}`, body)), ctx())).status).toBe(401);
    expect((await channel().webhook!(request(body.replace("bounced@", "someone@"), signWebhook(WEBHOOK_SECRET, body)), ctx())).status).toBe(401);
    expect((await channel().webhook!(request(body, signWebhook(WEBHOOK_SECRET, body, Date.now() - 10 * 60_000)), ctx())).status).toBe(401);
    expect((await channel().webhook!(request(body, new Headers()), ctx())).status).toBe(401);
  });

  it("refuses webhooks when no secret is configured", async () => {
    const noSecret = instance({ EMAIL_FROM: FROM, EMAIL_API_URL: resend.url, EMAIL_API_KEY: resend.apiKey }, emailChannel);
    const body = event("email.complained", {});
    const result = await noSecret.webhook!(request(body), ctx());
    expect(result.status).toBe(404);
    expect(result.undeliverable).toBeUndefined();
  });
});

describe("email configuration", () => {
  it("is not configured until SMTP or the HTTP API is", () => {
    const entry = createChannelRegistry([nodeEmail], { EMAIL_FROM: FROM }).get("email")!;
    expect(entry.instance).toBeUndefined();
    expect(entry.missing).toEqual(["SMTP_URL or EMAIL_API_KEY"]);
  });

  it("says plainly that SMTP is missing where no SMTP provider is injected (Workers), without echoing SMTP_URL", () => {
    const workers = createChannelRegistry([emailChannel], { EMAIL_FROM: FROM, SMTP_URL: "smtp://u:topsecret@mail.example:587" });
    expect(workers.get("email")!.instance).toBeUndefined();
    expect(workers.get("email")!.missing[0]).toMatch(/EMAIL_API_KEY .*TCP sockets/);
    expect(JSON.stringify(workers.describe())).not.toContain("topsecret");
    expect(() => createChannelRegistry([nodeEmail], { EMAIL_FROM: FROM, EMAIL_PROVIDER: "sendgrid", EMAIL_API_KEY: "k" })).toThrow(/EMAIL_PROVIDER: must be smtp or resend/);
    try {
      createChannelRegistry([nodeEmail], { EMAIL_FROM: FROM, SMTP_URL: "http://u:topsecret@mail.example" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/SMTP_URL/);
      expect((error as Error).message).not.toContain("topsecret");
    }
  });

  it("masks SMTP_URL, the API key and the webhook secret when described", () => {
    const registry = createChannelRegistry([nodeEmail], { EMAIL_FROM: FROM, SMTP_URL: "smtp://u:topsecret@mail.example:587", EMAIL_API_KEY: "re_key123", EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET });
    const shown = JSON.stringify(registry.describe());
    for (const secret of ["topsecret", "re_key123", WEBHOOK_SECRET]) expect(shown).not.toContain(secret);
    (registry.get("email")!.instance as { close?: () => void }).close?.();
  });

  it("describes rendered email size", () => {
    expect(nodeEmail.describe!({ subject: "Заказ 5", html: "<p>héllo</p>" })).toEqual({ htmlBytes: 13, subjectChars: 7 });
  });
});
