import { toBase64Url, utf8 } from "../../lib/encoding.js";
import { MAX_PLAINTEXT_BYTES } from "../../lib/push-encrypt.js";

/**
 * The largest plaintext one aes128gcm record carries to a browser (RFC 8291): 4096 bytes less the
 * 86-byte header, the 16-byte tag and the 1-byte padding delimiter.
 */
export const PUSH_PAYLOAD_MAX_BYTES = MAX_PLAINTEXT_BYTES;

export interface PushPayload {
  title: string;
  body: string;
  url?: string;
  icon?: string;
  badge?: string;
  image?: string;
  tag?: string;
  actions?: { action: string; title: string }[];
  data: {
    notificationId: string;
    url?: string;
    /** Action id → URL the service worker opens for that button. */
    actions?: Record<string, string>;
    /** Unread inbox items, for `navigator.setAppBadge`. */
    unread?: number;
    /** Where the service worker reports seen and clicked, when Herald is not the page's origin. */
    api?: string;
    /** Short-lived subscriber token for those two reports. */
    token?: string;
  };
}

const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : undefined;

/** Whole user-perceived characters (graphemes), so a cut never splits a letter, emoji or accent. */
function graphemes(text: string): string[] {
  return segmenter ? Array.from(segmenter.segment(text), (s) => s.segment) : Array.from(text);
}

const byteLength = (payload: PushPayload) => utf8(JSON.stringify(payload)).length;

/**
 * Fits the payload into one push record by shortening the body (then, only if it must, the
 * title) at a character boundary, with an ellipsis. URLs, actions and data are never dropped:
 * they are what makes the notification useful. Undefined when even an empty body cannot fit.
 */
export function fitPayload(payload: PushPayload, maxBytes = PUSH_PAYLOAD_MAX_BYTES): PushPayload | undefined {
  if (byteLength(payload) <= maxBytes) return payload;
  return shortenToFit(payload, maxBytes);
}

/**
 * The fitted payload as the UTF-8 JSON that gets encrypted, or undefined when it cannot fit. The
 * common case (it fits) serializes once, where fitPayload and then JSON.stringify would twice.
 */
export function encodePayload(payload: PushPayload, maxBytes = PUSH_PAYLOAD_MAX_BYTES): Uint8Array | undefined {
  const whole = utf8(JSON.stringify(payload));
  if (whole.length <= maxBytes) return whole;
  // Already known to be too long: straight to shortening, without fitPayload measuring it again.
  const fitted = shortenToFit(payload, maxBytes);
  return fitted && utf8(JSON.stringify(fitted));
}

/** For a payload over `maxBytes`: the body shortened, else an empty body and the title shortened. */
function shortenToFit(payload: PushPayload, maxBytes: number): PushPayload | undefined {
  return shorten(payload, "body", maxBytes) ?? shorten({ ...payload, body: "" }, "title", maxBytes);
}

function shorten(payload: PushPayload, field: "body" | "title", maxBytes: number): PushPayload | undefined {
  const parts = graphemes(payload[field]);
  const at = (n: number): PushPayload => ({ ...payload, [field]: n === parts.length ? payload[field] : parts.slice(0, n).join("").trimEnd() + "…" });
  if (byteLength(at(0)) > maxBytes) return undefined;
  // The longest prefix that fits, by binary search: JSON escaping makes bytes per character uneven.
  let lo = 0;
  let hi = parts.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (byteLength(at(mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return at(lo);
}

/**
 * The `Topic` header (RFC 8030 §5.4) from a notification tag: a newer message with the same topic
 * replaces an undelivered older one (order-1234 "with the courier" replaces "being assembled").
 * At most 32 base64url characters; longer or foreign tags are hashed to fit.
 */
export async function topicFromTag(tag: string | undefined): Promise<string | undefined> {
  if (!tag) return undefined;
  if (/^[A-Za-z0-9_-]{1,32}$/.test(tag)) return tag;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(tag)));
  return toBase64Url(digest).slice(0, 32);
}
