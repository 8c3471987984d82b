import type { ChannelMessage, SendContext, SendResult } from "../../core/channels/define.js";

/** One email, ready for a provider: headers already decided, every field free of CR/LF. */
export interface OutgoingEmail {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** `<id@domain>`, derived from the notification id so a retried send carries the same Message-ID. */
  messageId: string;
  /** The notification id: receivers and providers de-duplicate at-least-once retries by it. */
  notificationId: string;
  /** Extra headers: `List-Unsubscribe`, `List-Unsubscribe-Post`, `X-Herald-Notification-Id`. */
  headers: Record<string, string>;
}

/** How the email channel hands a message to SMTP or an HTTP email API. */
export interface EmailProvider {
  readonly name: string;
  send(email: OutgoingEmail, ctx: SendContext): Promise<SendResult>;
  /** Ends open connections (SMTP pool); for tests and shutdown. */
  close?(): void;
}

/** Settings every provider gets from the channel configuration. */
export interface EmailProviderConfig {
  timeoutMs: number;
}

export interface SmtpProviderConfig extends EmailProviderConfig {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS from the start). */
  url: string;
  /** Connections kept open and reused. */
  poolSize: number;
}

/**
 * Builds the SMTP provider. Injected by the Node and Deno entrypoints (`smtp.ts`) so the
 * Workers bundle never carries nodemailer, which needs raw TCP sockets workerd does not offer.
 */
export type SmtpProviderFactory = (config: SmtpProviderConfig) => EmailProvider;

const HEADER_ID = /[^A-Za-z0-9._-]/g;

/** The header Herald puts the notification id in. */
export const NOTIFICATION_ID_HEADER = "X-Herald-Notification-Id";

/** Header values must stay on one line: CR/LF from rendered data would start new headers. */
export function singleLine(value: string): string {
  return value.replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, " ").trim();
}

/** The domain part of `Name <user@domain>` or `user@domain`, for Message-IDs. */
export function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match?.[1] ?? "herald.invalid";
}

// Deliberately narrow (no quoted local parts, no comments): anything else could smuggle header syntax.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** True for a plain `user@domain.tld` address. */
export function isDeliverableAddress(address: string): boolean {
  return address.length <= 254 && ADDRESS.test(address);
}

/** Headers for de-duplication and, on non-transactional email, RFC 8058 one-click unsubscribe. */
export function emailHeaders(message: ChannelMessage<unknown>): Record<string, string> {
  const headers: Record<string, string> = { [NOTIFICATION_ID_HEADER]: singleLine(message.notificationId) };
  if (message.unsubscribeUrl && !message.critical) {
    headers["List-Unsubscribe"] = `<${singleLine(message.unsubscribeUrl)}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  return headers;
}

/** A stable Message-ID for a notification: the same on every retry of it. */
export function messageIdFor(notificationId: string, from: string): string {
  return `<${notificationId.replace(HEADER_ID, "_")}@${senderDomain(from)}>`;
}
