import type { SendResult } from "../core/channels/define.js";
import { OutboundError, parseRetryAfter } from "../core/net/outbound.js";

/**
 * The common reading of a provider's HTTP answer: 2xx sent; 408, 425, 429 and 5xx worth another try
 * (honouring Retry-After); other 4xx final. Channels with finer rules (push 404/410) check first.
 */
export async function resultFromResponse(response: Response, now: number, providerMessageId?: (body: string) => string | undefined): Promise<SendResult> {
  const body = await response.text().catch(() => "");
  if (response.ok) return { ok: true, providerMessageId: providerMessageId?.(body) };
  const retryable = response.status === 408 || response.status === 425 || response.status === 429 || response.status >= 500;
  return {
    ok: false,
    code: `http_${response.status}`,
    message: `${response.status} ${response.statusText || ""}`.trim() + (body ? `: ${body.slice(0, 300)}` : ""),
    retryable,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now),
  };
}

/** Timeouts and unreachable hosts are worth retrying; a blocked private address is not. */
export function resultFromError(error: unknown): SendResult {
  if (error instanceof OutboundError) return { ok: false, code: error.code, message: error.message, retryable: error.code !== "blocked_address" };
  return { ok: false, code: "network", message: (error as Error)?.message ?? String(error), retryable: true };
}
