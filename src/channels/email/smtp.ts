import nodemailer from "nodemailer";
import type { SendContext, SendResult } from "../../core/channels/define.js";
import { blockedAddress, isOutboundError, isPrivateAddress } from "../../core/net/outbound.js";
import type { EmailProvider, OutgoingEmail, SmtpProviderConfig } from "./provider.js";
import { createEmailChannel } from "./email.js";
import { resultFromError } from "../shared/http-result.js";
import { guardedSmtpSocket, type GuardedLookup } from "./smtp-socket.js";

interface SmtpError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpError[];
}

// Permanent "no such user / mailbox unavailable / bad address" replies: the address itself is the
// problem, so the engine suppresses it and the rule's fallback step takes over.
const RECIPIENT_GONE = new Set([550, 551, 553, 511]);

/** TLS settings of the SMTP connections beyond what SMTP_URL says. */
export interface SmtpTlsOptions {
  /**
   * PEM certificates trusted besides the system's, for a relay with a private CA (the tests' peer).
   * The certificate is still checked against SMTP_URL's host name.
   */
  ca?: string;
}

/**
 * SMTP through nodemailer (Node and Deno): a small pool of connections, each step under a timeout.
 * Lives apart from the channel so the Workers bundle never imports nodemailer; the Node and Deno
 * entrypoints register `createSmtpEmailChannel` (through `socketChannels`). `guardedLookup` is the
 * runtime's DNS lookup under the SSRF guard, used for every connection the pool opens.
 *
 * @example
 * createEmailChannel({ smtp: (config) => smtpProvider(config, guardedLookup) })
 */
export function smtpProvider(config: SmtpProviderConfig & SmtpTlsOptions, guardedLookup: GuardedLookup): EmailProvider {
  const url = new URL(config.url);
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new Error("SMTP_URL: must start with smtp:// or smtps://");
  // The engine's SSRF guard, taken from the send that needs the connection (sends share one
  // context). Connections open only for sends; before any, private addresses are refused.
  let checkAddress = async (address: string): Promise<void> => {
    if (isPrivateAddress(address)) throw blockedAddress(url.hostname, address);
  };
  const transport = nodemailer.createTransport({
    url: config.url,
    pool: true,
    maxConnections: config.poolSize,
    maxMessages: 1000,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    dnsTimeout: config.timeoutMs,
    // Every connection's addresses pass the guard as it opens (nodemailer would resolve on its own).
    getSocket: guardedSmtpSocket(guardedLookup((address) => checkAddress(address))),
    ...(config.ca ? { tls: { ca: config.ca } } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  // A pooled connection that idles past socketTimeout is dropped; the pool reports it here instead of
  // crashing the process, and opens a new one for the next message.
  transport.on("error", () => {});

  return {
    name: "smtp",
    async send(email: OutgoingEmail, ctx: SendContext): Promise<SendResult> {
      try {
        // IP literals and names like localhost, as written; addresses from DNS at connect (above).
        await ctx.checkHost(url.hostname);
        checkAddress = (address) => ctx.checkHost(address);
      } catch (error) {
        if (isOutboundError(error)) return resultFromError(error);
        return smtpFailure(error as SmtpError);
      }
      try {
        const info = await transport.sendMail({
          from: email.from,
          to: email.to,
          ...(email.replyTo ? { replyTo: email.replyTo } : {}),
          subject: email.subject,
          html: email.html,
          text: email.text,
          messageId: email.messageId,
          headers: email.headers,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
        return { ok: true, providerMessageId: info.messageId ?? email.messageId };
      } catch (error) {
        if (isOutboundError(error)) return resultFromError(error);
        return smtpFailure(error as SmtpError);
      }
    },
    close: () => transport.close(),
  };
}

/**
 * The email channel with SMTP as well as the HTTP API: what the Node and Deno entrypoints register
 * in place of `emailChannel` (same id; see socket-channels.ts), its connections opened with the
 * runtime's `guardedLookup`.
 */
export function createSmtpEmailChannel(guardedLookup: GuardedLookup) {
  return createEmailChannel({ smtp: (config) => smtpProvider(config, guardedLookup) });
}

/** 4xx replies and connection trouble are worth another try; 5xx replies are final. */
export function smtpFailure(error: SmtpError): SendResult {
  const reply = error.responseCode ?? error.rejectedErrors?.[0]?.responseCode;
  const text = (error.response ?? error.rejectedErrors?.[0]?.response ?? error.message ?? String(error)).slice(0, 300);
  if (reply && reply >= 400 && reply < 500) return { ok: false, code: `smtp_${reply}`, message: text, retryable: true };
  if (reply && reply >= 500) {
    const atRecipient = error.code === "EENVELOPE" || /RCPT/i.test(error.command ?? "");
    const gone = atRecipient && (RECIPIENT_GONE.has(reply) || /\b5\.1\.\d\b/.test(text));
    return { ok: false, code: `smtp_${reply}`, message: text, retryable: false, ...(gone ? { undeliverable: true } : {}) };
  }
  if (error.code === "ETIMEDOUT" || /timeout/i.test(error.message)) return { ok: false, code: "timeout", message: error.message, retryable: true };
  if (error.code === "EAUTH") return { ok: false, code: "smtp_auth", message: error.message, retryable: false };
  return { ok: false, code: "network", message: error.message ?? String(error), retryable: true };
}
