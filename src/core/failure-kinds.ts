/**
 * Failures as people act on them. A delivery's `lastError` is `code: message`; the code says whose
 * move it is: the operator's (a channel or template is not set up: fix the setup, then retry), the
 * recipient's (no address, unsubscribed, suppressed: retrying sends nothing), or the provider's
 * (a timeout, a 5xx, a refusal: retrying may succeed).
 */
export type FailureKind = "configuration" | "recipient" | "provider";

const CONFIGURATION = new Set(["not_configured", "unknown_channel", "template_missing", "template_missing_channel"]);
/** Codes about the address or the person: channels mark these `undeliverable` (http_410: a push endpoint gone; smtp_550: no such mailbox). */
const RECIPIENT = new Set(["subscriber_erased", "no_address", "no_push_subscription", "invalid_address", "suppressed", "unsubscribed", "http_410", "smtp_550"]);

/** The code of a `code: message` error, or null when there is none. */
export function failureCode(lastError: string | null): string | null {
  return lastError ? (/^([a-z][a-z0-9_]*):/.exec(lastError)?.[1] ?? null) : null;
}

/** Who can fix a failure with this code. Unknown codes are the provider's: a retry is the safe offer. */
export function failureKind(code: string | null): FailureKind {
  if (code !== null && CONFIGURATION.has(code)) return "configuration";
  if (code !== null && RECIPIENT.has(code)) return "recipient";
  return "provider";
}
