/**
 * bench/email: one MJML order template to 2,000 recipients through a local SMTP server
 * (`smtp-server` in its own process; it accepts and counts), Herald's way beside the naive way.
 *
 *   npx tsx bench/email.ts          (BENCH_EMAIL_N=2000 BENCH_EMAIL_CONCURRENCY=8 by default)
 *
 * - Herald: the email channel's `compile` once (MJML → HTML with placeholders, timed on its own),
 *   then per recipient the engine's Handlebars render and the channel's `send` (plain-text part,
 *   headers, nodemailer over a pool of SMTP connections).
 * - Naive: per recipient Handlebars over the MJML source, `mjml2html`, html-to-text, and the same
 *   pooled nodemailer transport: what code without a compile step does.
 * The outbox and store are not in the loop: this is the channel's ceiling, not the end-to-end rate.
 */
import { fork } from "node:child_process";
import { convert } from "html-to-text";
import Handlebars from "handlebars";
import mjml2html from "mjml";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import type { ChannelMessage } from "../src/core/channels/define.js";
import { createChannelRegistry } from "../src/core/channels/registry.js";
import { createSendContext } from "../src/core/channels/send-context.js";
import { renderContent, type TemplateContext } from "../src/core/rendering.js";
import { compileEmail } from "../src/channels/email/compile.js";
import { createSmtpEmailChannel } from "../src/channels/email/smtp.js";
import { htmlToText } from "../src/channels/email/email.js";
import { withEmailLayout } from "../src/templates/email-layout.js";
import { checkedLookup } from "../src/runtimes/shared/guarded-lookup.js";
import { pool } from "./support/harness.js";

const N = Number(process.env.BENCH_EMAIL_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_EMAIL_CONCURRENCY ?? 8);

const SUBJECT = "Order {{data.order}}: {{data.status}}";
const MJML = `<mj-section><mj-column>
  <mj-text font-size="20px" font-weight="600">Hello {{subscriber.name}},</mj-text>
  <mj-text>Your order <b>#{{data.order}}</b> is {{data.status}}. Courier {{data.courier}} arrives in {{data.eta}} minutes.</mj-text>
  <mj-table>
    <tr style="border-bottom:1px solid #e5e7eb"><th align="left">Item</th><th align="right">Qty</th><th align="right">Price</th></tr>
    {{#each data.items}}<tr><td>{{this.name}}</td><td align="right">{{this.qty}}</td><td align="right">{{this.price}}</td></tr>{{/each}}
  </mj-table>
  <mj-button href="{{data.url}}">Track your courier</mj-button>
  <mj-text font-size="13px" color="#6b7280">Questions? Reply to this email or call {{data.phone}}.</mj-text>
</mj-column></mj-section>`;

function recipientContext(i: number): TemplateContext {
  return {
    data: {
      order: 100_000 + i,
      status: "with the courier",
      courier: "Almaz",
      eta: 5 + (i % 20),
      url: `https://shop.example/orders/${100_000 + i}/track`,
      phone: "+7 900 000-00-00",
      items: [
        { name: "Green tea, 100 g", qty: 2, price: "4.50" },
        { name: "Almond croissant", qty: 4, price: "2.20" },
        { name: "Oat milk, 1 l", qty: 1, price: "1.90" },
      ],
    },
    subscriber: { id: `sub-${i}`, name: `Customer ${i}`, email: `customer${i}@example.com` },
    event: { id: `evt-${i}`, type: "order.status_changed" },
    notification: { id: `ntf-bench-${i}`, unsubscribeUrl: `https://herald.example/v1/unsubscribe/ntf-bench-${i}?sig=0123456789abcdef` },
  };
}

async function main() {
  const peer = fork(new URL(import.meta.url).pathname, ["--peer"], { execArgv: ["--import", "tsx"] });
  const ask = <T>(type: string) => new Promise<T>((resolve) => { peer.once("message", (m) => resolve(m as T)); peer.send({ type }); });
  const { port } = await new Promise<{ port: number }>((resolve) => peer.once("message", (m) => resolve(m as { port: number })));
  const smtpUrl = `smtp://127.0.0.1:${port}`;
  const FROM = "Shop <no-reply@shop.example>";

  // Warm both paths (JIT, MJML's component registry, the pools) so neither pays start-up in its figure.
  await mjml2html(withEmailLayout(MJML));

  // --- Herald: compile once, render + send per recipient.
  const compileRuns: number[] = [];
  let compiled!: Awaited<ReturnType<typeof compileEmail>>;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    compiled = await compileEmail({ subject: SUBJECT, mjml: MJML });
    compileRuns.push(performance.now() - t);
  }
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  // As the Node runtime registers it (socketChannels): connections under the guarded lookup.
  const channel = createSmtpEmailChannel(checkedLookup);
  const email = createChannelRegistry([channel], { EMAIL_FROM: FROM, SMTP_URL: smtpUrl, SMTP_POOL_SIZE: String(CONCURRENCY) }).get("email")!.instance!;
  const ctx = createSendContext({ allowPrivateNetwork: true });
  const message = (i: number): ChannelMessage<unknown> => {
    const c = recipientContext(i);
    return {
      notificationId: c.notification.id,
      deliveryId: `dlv-${i}`,
      eventId: c.event.id,
      subscriber: { id: c.subscriber.id, name: c.subscriber.name ?? null, email: c.subscriber.email ?? null, phone: null, locale: "en" },
      content: renderContent(compiled.ok ? compiled.content : {}, c, channel.plainTextFields),
      data: c.data,
      address: c.subscriber.email!,
      critical: false,
      category: "orders",
      unsubscribeUrl: c.notification.unsubscribeUrl!,
    };
  };
  await email.send(message(0), ctx);

  let t = performance.now();
  for (let i = 0; i < N; i++) message(i);
  const renderOnlyMs = performance.now() - t;
  const sample = message(0).content as { html: string };
  t = performance.now();
  for (let i = 0; i < 200; i++) htmlToText(sample.html);
  const textPartMs = (performance.now() - t) / 200;

  // --- Naive: MJML per recipient, the same pooled nodemailer transport settings.
  const transport = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: CONCURRENCY, maxMessages: 1000 } as Parameters<typeof nodemailer.createTransport>[0]);
  const template = Handlebars.compile(withEmailLayout(MJML));
  const subject = Handlebars.compile(SUBJECT, { noEscape: true });
  const naiveSend = async (i: number) => {
    const c = recipientContext(i);
    const html = (await mjml2html(template(c), { validationLevel: "soft", fonts: {} })).html;
    await transport.sendMail({
      from: FROM,
      to: c.subscriber.email!,
      subject: subject(c),
      html,
      text: convert(html, { wordwrap: 78 }),
      headers: { "List-Unsubscribe": `<${c.notification.unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    });
  };
  await naiveSend(0);
  t = performance.now();
  for (let i = 0; i < 100; i++) await mjml2html(template(recipientContext(i)), { validationLevel: "soft", fonts: {} });
  const mjmlPerMessageMs = (performance.now() - t) / 100;

  // The machine is shared: the two paths alternate in rounds so load changes hit both alike. CPU time
  // is this process's only (the SMTP server runs in its own), the figure least moved by other load.
  const ROUNDS = 5;
  const per = Math.ceil(N / ROUNDS);
  const totals = { herald: { ms: 0, cpu: 0, sent: 0, failed: 0 }, naive: { ms: 0, cpu: 0, sent: 0, failed: 0 } };
  await ask("reset");
  for (let round = 0; round < ROUNDS; round++) {
    const from = round * per;
    const count = Math.min(per, N - from);
    for (const path of ["herald", "naive"] as const) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await pool(count, CONCURRENCY, async (k) => {
        const i = from + k;
        if (path === "naive") {
          await naiveSend(i).catch(() => totals.naive.failed++);
          return;
        }
        const r = await email.send(message(i), ctx);
        if (!r.ok) totals.herald.failed++;
      });
      totals[path].ms += performance.now() - start;
      const used = process.cpuUsage(cpu);
      totals[path].cpu += (used.user + used.system) / 1000;
      totals[path].sent += count;
    }
  }
  const arrived = (await ask<{ count: number }>("count")).count;
  (email as { close?: () => void }).close?.();
  transport.close();
  peer.send({ type: "stop" });

  const rate = (ms: number, n = N) => Math.round((n / ms) * 1000);
  const sorted = [...compileRuns].sort((x, y) => x - y);
  const htmlKb = (sample.html.length / 1024).toFixed(1);
  const row = (label: string, r: typeof totals.herald) =>
    `${label} | ${String(rate(r.ms, r.sent)).padStart(10)} | ${(r.ms / 1000).toFixed(1).padStart(6)} s | ${(r.cpu / r.sent).toFixed(1).padStart(11)} ms | ${r.failed}`;
  console.log(`\n${N} recipients (one order template), concurrency ${CONCURRENCY}, SMTP pool ${CONCURRENCY}, local smtp-server in its own process; ${ROUNDS} alternating rounds (Node ${process.version})\n`);
  console.log("path                                       | messages/s | wall     | CPU per msg    | failed");
  console.log(row("Herald: MJML compiled once, render + send ", totals.herald));
  console.log(row("naive: MJML per recipient + nodemailer    ", totals.naive));
  console.log(`arrived at the SMTP server: ${arrived} of ${2 * N}`);
  console.log("");
  console.log(`MJML compile, once per template version:   median ${sorted[2]!.toFixed(1)} ms of 5 (first ${compileRuns[0]!.toFixed(1)} ms); HTML ${htmlKb} KiB`);
  console.log(`naive MJML per message (serial):           ${mjmlPerMessageMs.toFixed(1)} ms`);
  console.log(`Herald Handlebars render per message:      ${((renderOnlyMs / N) * 1000).toFixed(0)} µs`);
  console.log(`Herald plain-text part per message:        ${textPartMs.toFixed(1)} ms (html-to-text, compiled once)`);
  console.log(`speed-up (wall):                           ${(totals.naive.ms / totals.herald.ms).toFixed(1)}x; CPU per message ${(totals.naive.cpu / totals.naive.sent / (totals.herald.cpu / totals.herald.sent)).toFixed(1)}x less`);
}

// Declared last: `main` reads the module's constants, which must be initialised before it runs.
if (process.argv[2] === "--peer") {
  // The SMTP server runs in its own process so its parsing does not share Herald's event loop.
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, _session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        count++;
        callback();
      });
    },
  });
  server.listen(0, "127.0.0.1", () => process.send!({ port: (server.server.address() as { port: number }).port }));
  process.on("disconnect", () => process.exit(0));
  process.on("message", (m: { type: string }) => {
    if (m.type === "count") process.send!({ count });
    if (m.type === "reset") {
      count = 0;
      process.send!({ count });
    }
    if (m.type === "stop") server.close(() => process.exit(0));
  });
} else {
  await main();
}

