/**
 * How many SMS parts a text costs, as carriers bill it (3GPP TS 23.038 / 23.040).
 *
 * - GSM-7 when every character is in the default alphabet or its extension table: 160 septets in a
 *   single message, 153 per part once split (the concatenation header takes 7). Extension characters
 *   (`^ { } \ [ ~ ] | €` and form feed) cost 2 septets (escape + char) and are never split across parts.
 * - UCS-2 otherwise (one Cyrillic letter or emoji is enough): 70 UTF-16 code units single, 67 per part;
 *   a surrogate pair (emoji) costs 2 and is never split across parts.
 *
 * Hand-written: the npm counters are either Node-only or ignore the extension-table boundary rule,
 * and this must run on Workers too.
 */
export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SegmentInfo {
  encoding: SmsEncoding;
  /** Parts the text is sent as (0 for an empty text). */
  segments: number;
  /** Unicode code points: what a person counts. */
  characters: number;
  /** What the carrier counts: septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** Units that fit in one part at this length (160/153 or 70/67). */
  unitsPerSegment: number;
}

// GSM 03.38 default alphabet in table order; 0x1B (escape) is left out: it only introduces the extension table.
const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "\f^{}\\[~]|€";

const basic = new Set([...GSM_BASIC].filter((c) => c !== "\u001b"));
const extension = new Set(GSM_EXTENSION);

const LIMITS = {
  "GSM-7": { single: 160, multi: 153 },
  "UCS-2": { single: 70, multi: 67 },
} as const;

/** Septets a character costs in GSM-7, or 0 when it has no GSM-7 form. */
export function gsmCost(char: string): 0 | 1 | 2 {
  if (basic.has(char)) return 1;
  if (extension.has(char)) return 2;
  return 0;
}

/** The cost of each code point of `text` in the encoding it will be sent in. */
function costs(text: string): { encoding: SmsEncoding; costs: number[] } {
  const chars = [...text];
  const gsm = chars.map(gsmCost);
  if (gsm.every((c) => c > 0)) return { encoding: "GSM-7", costs: gsm };
  // UCS-2 as carriers really send it is UTF-16: a code point above U+FFFF is a surrogate pair (2 units).
  return { encoding: "UCS-2", costs: chars.map((c) => c.length) };
}

/** Parts needed for these indivisible costs: one part up to `single`, else greedy parts of `multi`. */
function pack(items: readonly number[], single: number, multi: number): number {
  let total = 0;
  for (const c of items) total += c;
  if (total === 0) return 0;
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const c of items) {
    if (used + c > multi) {
      parts++;
      used = 0;
    }
    used += c;
  }
  return parts;
}

/**
 * Encoding, parts and sizes of an SMS text.
 * @example
 * countSegments("Order 1234 is on its way").segments; // 1 (GSM-7)
 * countSegments("Заказ 1234 в пути").encoding;        // "UCS-2": 70 characters per single part
 */
export function countSegments(text: string): SegmentInfo {
  const { encoding, costs: items } = costs(text);
  const limits = LIMITS[encoding];
  const units = items.reduce((a, b) => a + b, 0);
  const segments = pack(items, limits.single, limits.multi);
  return { encoding, segments, characters: items.length, units, unitsPerSegment: segments > 1 ? limits.multi : limits.single };
}

/**
 * The longest prefix of `text`, cut between code points, that fits in `maxSegments` parts.
 * Cutting off the only UCS-2 characters can turn the prefix into GSM-7, which only makes it cheaper.
 */
export function fitToSegments(text: string, maxSegments: number): string {
  if (maxSegments < 1) return "";
  const { encoding, costs: items } = costs(text);
  const limits = LIMITS[encoding];
  if (pack(items, limits.single, limits.multi) <= maxSegments) return text;
  const chars = [...text];
  let keep = 0;
  if (maxSegments === 1) {
    let used = 0;
    while (keep < items.length && used + items[keep]! <= limits.single) used += items[keep++]!;
  } else {
    let parts = 1;
    let used = 0;
    for (; keep < items.length; keep++) {
      const c = items[keep]!;
      if (used + c > limits.multi) {
        if (parts === maxSegments) break;
        parts++;
        used = 0;
      }
      used += c;
    }
  }
  return chars.slice(0, keep).join("");
}
