import type { z } from "@hono/zod-openapi";
import { compile as compileHtmlToText } from "html-to-text";
import { defineChannel, type ChannelDefinition, type ConfigSchema } from "../core/channels/define.js";
import { utf8 } from "../lib/encoding.js";
import { HeraldError } from "../core/errors.js";
import { EmailContent } from "../core/schemas/template.js";
import { compileEmail, type CompiledEmail } from "./email-compile.js";
import {
  emailHeaders,
  isDeliverableAddress,
  messageIdFor,
  singleLine,
  type EmailProvider,
  type SmtpProviderFactory,
} from "./email-provider.js";
import { resendProvider, resendWebhook } from "./email-resend.js";

type StoredEmail = z.infer<typeof EmailContent>;

const config = {
  from: { type: "string", required: true, env: "EMAIL_FROM", description: "Sender, e.g. `Shop <no-reply@shop.example>`" },
  provider: {
    type: "string",
    env: "EMAIL_PROVIDER",
    description: "`smtp` or `resend`; default: `smtp` when SMTP_URL is set, else `resend` when EMAIL_API_KEY is set",
  },
  smtpUrl: { type: "string", secret: true, env: "SMTP_URL", description: "`smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`; Node and Deno only" },
  smtpPoolSize: { type: "number", default: 5, env: "SMTP_POOL_SIZE", description: "SMTP connections kept open and reused" },
  apiUrl: { type: "url", default: "https://api.resend.com", env: "EMAIL_API_URL", description: "Base URL of the Resend-compatible HTTP email API" },
  apiKey: { type: "string", secret: true, env: "EMAIL_API_KEY", description: "API key for the HTTP email API (Bearer)" },
  webhookSecret: {
    type: "string",
    secret: true,
    env: "EMAIL_WEBHOOK_SECRET",
    description: "Signing secret (`whsec_…`) that bounce and complaint webhooks are verified with; webhooks are refused without it",
  },
  replyTo: { type: "string", env: "EMAIL_REPLY_TO", description: "Reply-To address" },
  timeoutMs: { type: "number", default: 15_000, env: "EMAIL_TIMEOUT_MS", description: "Timeout of each provider call (SMTP: connect, greeting and each reply)" },
} satisfies ConfigSchema;

export interface EmailChannelOptions {
  /** The SMTP provider (`smtpProvider` from `email-smtp.ts`), passed in by runtimes that can open TCP sockets. */
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
 * import { smtpProvider } from "./email-smtp.js";
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
      if (values.webhookSecret) checkSecret(values.webhookSecret);
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

type Values = { [K in keyof typeof config]?: string | number | boolean } & { from: string };

function chooseProvider(values: Values, options: EmailChannelOptions): EmailProvider {
  const v = values as { provider?: string; smtpUrl?: string; smtpPoolSize?: number; apiUrl?: string; apiKey?: string; timeoutMs?: number };
  const name = v.provider ?? (v.smtpUrl ? "smtp" : v.apiKey ? "resend" : undefined);
  const timeoutMs = v.timeoutMs ?? 15_000;
  const bad = (message: string) => new HeraldError("bad_config", message, { pluginId: "email" });
  switch (name) {
    case "smtp":
      if (!v.smtpUrl) throw bad("EMAIL_PROVIDER=smtp needs SMTP_URL");
      if (!options.smtp) throw bad("SMTP is not available on this runtime (no TCP sockets); use EMAIL_PROVIDER=resend with EMAIL_API_KEY");
      try {
        return options.smtp({ url: v.smtpUrl, poolSize: v.smtpPoolSize ?? 5, timeoutMs });
      } catch (error) {
        // Never echo SMTP_URL: it carries the password.
        throw bad(`SMTP_URL: ${error instanceof TypeError ? "is not a valid URL" : (error as Error).message.replace(v.smtpUrl, "[redacted]")}`);
      }
    case "resend":
      if (!v.apiKey) throw bad("EMAIL_PROVIDER=resend needs EMAIL_API_KEY");
      return resendProvider({ apiUrl: v.apiUrl ?? "https://api.resend.com", apiKey: v.apiKey, timeoutMs });
    case undefined:
      throw bad("EMAIL_FROM is set but no provider is: set SMTP_URL (Node, Deno) or EMAIL_API_KEY (HTTP API)");
    default:
      throw bad(`EMAIL_PROVIDER: must be smtp or resend`);
  }
}

function checkSecret(secret: string) {
  try {
    atob(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  } catch {
    throw new HeraldError("bad_config", "EMAIL_WEBHOOK_SECRET: must be the base64 signing secret (whsec_…)", { pluginId: "email" });
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
