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

// Septets per UTF-16 code unit (0: not in GSM-7). Every GSM-7 character is in the BMP, so one table
// lookup per code unit decides the encoding without splitting the string into code points.
const GSM_SEPTETS = new Uint8Array(0x10000);
for (const c of GSM_BASIC) if (c !== "\u001b") GSM_SEPTETS[c.charCodeAt(0)] = 1;
for (const c of GSM_EXTENSION) GSM_SEPTETS[c.charCodeAt(0)] = 2;

const LIMITS = {
  "GSM-7": { single: 160, multi: 153 },
  "UCS-2": { single: 70, multi: 67 },
} as const;

/** Septets a character costs in GSM-7, or 0 when it has no GSM-7 form. */
export function gsmCost(char: string): 0 | 1 | 2 {
  return char.length === 1 ? (GSM_SEPTETS[char.charCodeAt(0)] as 0 | 1 | 2) : 0;
}

/** GSM-7 septets of the whole text, or -1 as soon as one code unit has no GSM-7 form. */
function gsmUnits(text: string): number {
  let units = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = GSM_SEPTETS[text.charCodeAt(i)]!;
    if (cost === 0) return -1;
    units += cost;
  }
  return units;
}

/**
 * True when `unit` (the code unit at `i`) is a high surrogate followed by a low one: the start of a
 * two-unit code point, which no cut may split. A lone surrogate counts as one unit on its own.
 */
export function isHighSurrogate(unit: number, text: string, i: number): boolean {
  if (unit < 0xd800 || unit > 0xdbff || i + 1 >= text.length) return false;
  const low = text.charCodeAt(i + 1);
  return low >= 0xdc00 && low <= 0xdfff;
}

/**
 * Walks the text as indivisible items (a GSM-7 character with its escape, or a UTF-16 code point)
 * packed greedily into parts of `multi` units; stops before the item that would open part `stopAfter + 1`.
 * Returns the parts used and the code-unit index where it stopped.
 */
function walk(text: string, gsm: boolean, multi: number, stopAfter = Infinity): { parts: number; end: number } {
  let parts = 1;
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    const width = !gsm && isHighSurrogate(unit, text, i) ? 2 : 1;
    const cost = gsm ? GSM_SEPTETS[unit]! : width;
    if (used + cost > multi) {
      if (parts === stopAfter) break;
      parts++;
      used = 0;
    }
    used += cost;
    i += width;
  }
  return { parts, end: i };
}

function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) if (isHighSurrogate(text.charCodeAt(i), text, i)) n--, i++;
  return n;
}

/**
 * Encoding, parts and sizes of an SMS text.
 * @example
 * countSegments("Order 1234 is on its way").segments; // 1 (GSM-7)
 * countSegments("Заказ 1234 в пути").encoding;        // "UCS-2": 70 characters per single part
 */
export function countSegments(text: string): SegmentInfo {
  const septets = gsmUnits(text);
  const encoding: SmsEncoding = septets >= 0 ? "GSM-7" : "UCS-2";
  const limits = LIMITS[encoding];
  // UCS-2 as carriers really send it is UTF-16: a code point above U+FFFF is a surrogate pair (2 units).
  const units = septets >= 0 ? septets : text.length;
  const segments = units === 0 ? 0 : units <= limits.single ? 1 : walk(text, septets >= 0, limits.multi).parts;
  return { encoding, segments, characters: septets >= 0 ? text.length : codePoints(text), units, unitsPerSegment: segments > 1 ? limits.multi : limits.single };
}

/**
 * The longest prefix of `text`, cut between code points, that fits in `maxSegments` parts.
 * Cutting off the only UCS-2 characters can turn the prefix into GSM-7, which only makes it cheaper.
 */
export function fitToSegments(text: string, maxSegments: number): string {
  if (maxSegments < 1) return "";
  const septets = gsmUnits(text);
  const gsm = septets >= 0;
  const limits = LIMITS[gsm ? "GSM-7" : "UCS-2"];
  const units = gsm ? septets : text.length;
  if (units <= limits.single) return text;
  // One part holds `single` units; several hold `multi` each. Either way, stop before the item that does not fit.
  const { end } = maxSegments === 1 ? walk(text, gsm, limits.single, 1) : walk(text, gsm, limits.multi, maxSegments);
  return text.slice(0, end);
}
