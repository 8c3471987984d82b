import type { SendResult } from "../../core/channels/define.js";
import { isOutboundError, parseRetryAfter } from "../../core/net/outbound.js";

/**
 * The common reading of a provider's HTTP answer: 2xx sent; 408, 425, 429 and 5xx worth another try
 * (honouring Retry-After); other 4xx final. Channels with finer rules (push 404/410) check first.
 */
export async function resultFromResponse(response: Response, now: number, providerMessageId?: (body: string) => string | undefined): Promise<SendResult> {
  const body = await response.text().catch(() => "");
  return resultFromAnswer({ status: response.status, statusText: response.statusText, retryAfter: response.headers.get("retry-after"), body }, now, providerMessageId);
}

/** An HTTP answer already read (a transport's, or a Response's): the same reading as resultFromResponse. */
export interface HttpAnswer {
  status: number;
  statusText?: string;
  retryAfter: string | null;
  body: string;
}

export function resultFromAnswer(answer: HttpAnswer, now: number, providerMessageId?: (body: string) => string | undefined): SendResult {
  const { status, body } = answer;
  if (status >= 200 && status < 300) return { ok: true, providerMessageId: providerMessageId?.(body) };
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  return {
    ok: false,
    code: `http_${status}`,
    message: `${status} ${answer.statusText || ""}`.trim() + (body ? `: ${body.slice(0, 300)}` : ""),
    retryable,
    retryAfterMs: parseRetryAfter(answer.retryAfter, now),
  };
}

/** Timeouts and unreachable hosts are worth retrying; a blocked private address is not. */
export function resultFromError(error: unknown): SendResult {
  if (isOutboundError(error)) return { ok: false, code: error.code, message: error.message, retryable: error.retryable };
  return { ok: false, code: "network", message: (error as Error)?.message ?? String(error), retryable: true };
}
