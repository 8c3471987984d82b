import { z } from "@hono/zod-openapi";
import { compile as compileHtmlToText } from "html-to-text";
import { defineChannel, type ChannelDefinition, type ConfigSchema, type ConfigValues, type SendContext } from "../../core/channels/define.js";
import { utf8 } from "../../lib/encoding.js";
import { HeraldError } from "../../core/errors.js";
import type { AdHocContent } from "../../core/broadcasts.js";
import { compileEmail, type CompiledEmail } from "./compile.js";
import {
  emailHeaders,
  isDeliverableAddress,
  messageIdFor,
  singleLine,
  type EmailProvider,
  type OutgoingEmail,
  type SmtpProviderFactory,
} from "./provider.js";
import { failover } from "../../core/channels/failover.js";
import { resendProvider, resendWebhook } from "./resend.js";

/** `channels.email` of a template: the subject and the MJML source of the body. */
export const EmailContent = z.strictObject({ subject: z.string().max(998), mjml: z.string().max(500_000) });

type StoredEmail = z.infer<typeof EmailContent>;

const config = {
  from: { type: "string", required: true, env: "EMAIL_FROM", description: "Sender, e.g. `Shop <no-reply@shop.example>`" },
  provider: {
    type: "string",
    choices: ["smtp", "resend"],
    env: "EMAIL_PROVIDER",
    description: "Which provider sends; default: `smtp` when SMTP_URL is set, else `resend` when EMAIL_API_KEY is set",
  },
  providers: {
    type: "string",
    pattern: /(smtp|resend)(,(smtp|resend))*/,
    patternHint: "provider names in failover order, e.g. smtp,resend",
    env: "EMAIL_PROVIDERS",
    description: "Failover order, e.g. `smtp,resend`: a retryable failure or an open circuit sends through the next; overrides EMAIL_PROVIDER",
  },
  breakerFailures: { type: "integer", min: 1, default: 3, env: "EMAIL_BREAKER_FAILURES", description: "With EMAIL_PROVIDERS: retryable failures in a row that open a provider's circuit" },
  breakerCooldownMs: { type: "integer", min: 1, default: 30_000, env: "EMAIL_BREAKER_COOLDOWN_MS", description: "With EMAIL_PROVIDERS: how long an open provider is skipped before one trial send" },
  smtpUrl: { type: "string", secret: true, env: "SMTP_URL", description: "`smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`; Node and Deno only" },
  smtpPoolSize: { type: "integer", min: 1, default: 5, env: "SMTP_POOL_SIZE", description: "SMTP connections kept open and reused" },
  apiUrl: { type: "url", default: "https://api.resend.com", env: "EMAIL_API_URL", description: "Base URL of the Resend-compatible HTTP email API" },
  apiKey: { type: "string", secret: true, env: "EMAIL_API_KEY", description: "API key for the HTTP email API (Bearer)" },
  webhookSecret: {
    type: "string",
    secret: true,
    // Standard base64, padded or not, after an optional `whsec_`.
    pattern: /(whsec_)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?/,
    patternHint: "the base64 signing secret (whsec_…)",
    env: "EMAIL_WEBHOOK_SECRET",
    description: "Signing secret (`whsec_…`) that bounce and complaint webhooks are verified with; webhooks are refused without it",
  },
  replyTo: { type: "string", env: "EMAIL_REPLY_TO", description: "Reply-To address" },
  timeoutMs: {
    type: "integer",
    min: 1,
    default: 15_000,
    env: "EMAIL_TIMEOUT_MS",
    description: "Timeout of each provider call in milliseconds (SMTP: connect, greeting and each reply)",
  },
} as const satisfies ConfigSchema;

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Ad hoc broadcast content as MJML: admin text is text, not markup, so it is escaped (`{{ }}` placeholders still work). */
function adHocEmail(content: AdHocContent): StoredEmail {
  const image = content.image ? `<mj-image src="${escapeHtml(content.image)}" />` : "";
  const button = content.url ? `<mj-button href="${escapeHtml(content.url)}">${escapeHtml(content.actions?.[0]?.title ?? "Open")}</mj-button>` : "";
  return {
    subject: content.title,
    mjml: `<mjml><mj-body><mj-section><mj-column><mj-text font-size="20px" font-weight="bold">${escapeHtml(content.title)}</mj-text>${image}<mj-text>${escapeHtml(content.body)}</mj-text>${button}</mj-column></mj-section></mj-body></mjml>`,
  };
}

export interface EmailChannelOptions {
  /** The SMTP provider (`smtpProvider` from `smtp.ts`), passed in by runtimes that can open TCP sockets. */
  smtp?: SmtpProviderFactory;
}

/**
 * The email channel: templates in MJML with Handlebars placeholders. `compile` turns MJML into HTML
 * once per template version; the engine renders subject (plain text) and HTML (escaped) per
 * message; `send` adds a plain-text part, a stable Message-ID, the notification id header and,
 * for non-transactional email, RFC 8058 one-click `List-Unsubscribe`.
 *
 * @example
 * // Node and Deno: SMTP and the HTTP API; Workers: `emailChannel` (HTTP API only).
 * import { smtpProvider } from "./smtp.js";
 * const email = createEmailChannel({ smtp: smtpProvider });
 */
export function createEmailChannel(options: EmailChannelOptions = {}): ChannelDefinition<typeof config, StoredEmail> {
  return defineChannel<typeof config, StoredEmail>({
    id: "email",
    title: "Email",
    config,
    // SMTP servers and email APIs throttle per connection and per second; a few in flight keep a pool busy.
    limits: { concurrency: 8 },
    content: EmailContent,
    broadcast: { content: adHocEmail },
    ui: {
      fields: {
        mjml: { kind: "mjml", initial: "<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>Hello {{subscriber.name}}</mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>" },
      },
      preview: { layout: "email", parts: { title: "subject" } },
    },
    plainTextFields: ["subject"],
    compile: compileEmail,
    // Cheap on purpose: the engine asks for these facts on every delivery.
    describe(rendered) {
      const html = typeof rendered.html === "string" ? rendered.html : "";
      const subject = typeof rendered.subject === "string" ? rendered.subject : "";
      return { htmlBytes: utf8(html).length, subjectChars: Array.from(subject).length };
    },
    address: (subscriber) => subscriber.email ?? null,
    // List-Unsubscribe goes on every non-critical email, and the layout shows the link, whatever the template says.
    unsubscribeLinks: true,
    // Either SMTP or the HTTP API will do, so neither field is `required`; without both it is "not configured".
    missing(values) {
      if (values.providers) return providerList(values.providers).flatMap((name) => missingFor(name, values, options));
      const provider = values.provider ?? (values.smtpUrl ? "smtp" : values.apiKey ? "resend" : undefined);
      if (provider === undefined) return [options.smtp ? "SMTP_URL or EMAIL_API_KEY" : "EMAIL_API_KEY (SMTP needs TCP sockets, not available on this runtime)"];
      if (provider === "smtp" && !values.smtpUrl) return ["SMTP_URL"];
      if (provider === "smtp" && !options.smtp) return ["EMAIL_API_KEY with EMAIL_PROVIDER=resend (SMTP needs TCP sockets, not available on this runtime)"];
      if (provider === "resend" && !values.apiKey) return ["EMAIL_API_KEY"];
      return [];
    },
    create(values) {
      const provider = chooseProvider(values, options);
      const from = singleLine(values.from);
      const replyTo = values.replyTo ? singleLine(values.replyTo) : undefined;
      return {
        async send(message, ctx) {
          const to = message.address ?? message.subscriber.email;
          if (!to) return { ok: false, code: "no_address", message: `subscriber ${message.subscriber.id} has no email address`, retryable: false, undeliverable: true };
          if (!isDeliverableAddress(to)) return { ok: false, code: "invalid_address", message: "the email address is not a plain user@domain address", retryable: false, undeliverable: true };
          // Stored as {subject, mjml}; `compile` turned it into {subject, html}, which the engine rendered.
          const { html } = message.content as unknown as CompiledEmail;
          return provider.send(
            {
              from,
              to,
              ...(replyTo ? { replyTo } : {}),
              subject: singleLine(message.content.subject),
              html,
              text: htmlToText(html),
              messageId: messageIdFor(message.notificationId, from),
              notificationId: message.notificationId,
              headers: emailHeaders(message),
            },
            ctx,
          );
        },
        webhook: (request, ctx) => resendWebhook(request, values.webhookSecret, ctx),
        // Not in the contract (it has no shutdown hook): tests and the bench end the SMTP pool with it.
        ...({ close: () => provider.close?.() } as object),
      };
    },
  });
}

/** The email channel with the HTTP API provider only: what the Workers bundle registers. */
export const emailChannel = createEmailChannel();

const providerList = (text: string) => [...new Set(text.split(","))] as ("smtp" | "resend")[];

function missingFor(name: "smtp" | "resend", values: ConfigValues<typeof config>, options: EmailChannelOptions): string[] {
  if (name === "resend") return values.apiKey ? [] : ["EMAIL_API_KEY"];
  if (!options.smtp) return ["SMTP (in EMAIL_PROVIDERS) needs TCP sockets, not available on this runtime"];
  return values.smtpUrl ? [] : ["SMTP_URL"];
}

/** The provider the configuration names, or with EMAIL_PROVIDERS all of them behind a failover; `missing` has made sure they have what they need. */
function chooseProvider(values: ConfigValues<typeof config>, options: EmailChannelOptions): EmailProvider {
  if (values.providers) {
    const providers = providerList(values.providers).map((name) => oneProvider(name, values, options));
    const chain = failover(providers.map((p) => ({ name: p.name, send: (email: OutgoingEmail, ctx: SendContext) => p.send(email, ctx) })), { failures: values.breakerFailures, coolDownMs: values.breakerCooldownMs });
    return { name: providers.map((p) => p.name).join(","), send: chain.send, close: () => providers.forEach((p) => p.close?.()) };
  }
  return oneProvider(values.provider ?? (values.smtpUrl ? "smtp" : "resend"), values, options);
}

function oneProvider(name: "smtp" | "resend", values: ConfigValues<typeof config>, options: EmailChannelOptions): EmailProvider {
  const { timeoutMs } = values;
  if (name === "resend") return resendProvider({ apiUrl: values.apiUrl, apiKey: values.apiKey!, timeoutMs });
  const smtpUrl = values.smtpUrl!;
  try {
    return options.smtp!({ url: smtpUrl, poolSize: values.smtpPoolSize, timeoutMs });
  } catch (error) {
    // Never echo SMTP_URL: it carries the password.
    const why = error instanceof TypeError ? "is not a valid URL" : (error as Error).message.replace(smtpUrl, "[redacted]");
    throw new HeraldError("bad_config", `SMTP_URL: ${why}`, { pluginId: "email" });
  }
}

// Compiled once: `convert` rebuilds its selector tables on every call, which cost ~13 ms per message here.
const toText = compileHtmlToText({
  wordwrap: 78,
  selectors: [
    { selector: "img", format: "skip" },
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    // MJML's inbox preview is a hidden div at the top of the body.
    { selector: "div[style*='display:none']", format: "skip" },
  ],
});

/** The plain-text part: links kept as `text [url]`, images and the hidden preview left out. */
export function htmlToText(html: string): string {
  return toText(html);
}
