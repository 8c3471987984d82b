import { countSegments, fitToSegments, isHighSurrogate } from "./segments.js";

export interface LengthLimit {
  /** Billed parts allowed (SMS_MAX_SEGMENTS). */
  maxSegments: number;
  /** Characters (code points) allowed (SMS_MAX_CHARACTERS), when set. */
  maxCharacters?: number;
  /** The provider's own cap in UTF-16 code units (Twilio: 1,600), when it has one. */
  providerMaxUnits?: number;
  /** `refuse`: a final failure; `truncate`: cut to the longest prefix that fits, between code points. */
  policy: "refuse" | "truncate";
}

export type LimitedText = { ok: true; text: string; truncated: boolean } | { ok: false; message: string };

/**
 * Holds a text to the configured limits. Refusing is the default because a silently shortened order
 * or login message can mislead; truncation is there for chatty notifications where the start is enough.
 * No ellipsis is added: "…" is not GSM-7 and would turn a cheap text into UCS-2.
 */
export function limitLength(text: string, limit: LengthLimit): LimitedText {
  const info = countSegments(text);
  const overSegments = info.segments > limit.maxSegments;
  const overCharacters = limit.maxCharacters !== undefined && info.characters > limit.maxCharacters;
  const overProvider = limit.providerMaxUnits !== undefined && text.length > limit.providerMaxUnits;
  if (!overSegments && !overCharacters && !overProvider) return { ok: true, text, truncated: false };
  if (limit.policy === "refuse") {
    const why = overSegments
      ? `needs ${info.segments} ${info.encoding} parts (${info.characters} characters), more than SMS_MAX_SEGMENTS=${limit.maxSegments}`
      : overCharacters
        ? `has ${info.characters} characters, more than SMS_MAX_CHARACTERS=${limit.maxCharacters}`
        : `is ${text.length} UTF-16 units long, more than the provider accepts (${limit.providerMaxUnits})`;
    return { ok: false, message: `the SMS ${why}` };
  }
  let cut = overSegments ? fitToSegments(text, limit.maxSegments) : text;
  // Both bounds grow along one walk, so one pass stopping at the first reached cuts where two would.
  if (limit.maxCharacters !== undefined || limit.providerMaxUnits !== undefined) cut = prefix(cut, limit.maxCharacters ?? Infinity, limit.providerMaxUnits ?? Infinity);
  return { ok: true, text: cut, truncated: true };
}

/** The longest prefix with at most `codePoints` code points and `units` UTF-16 units, never splitting a pair. */
function prefix(text: string, codePoints: number, units: number): string {
  let points = 0;
  let i = 0;
  while (i < text.length && points < codePoints) {
    const unit = text.charCodeAt(i);
    const width = isHighSurrogate(unit, text, i) ? 2 : 1;
    if (i + width > units) break;
    i += width;
    points++;
  }
  return text.slice(0, i);
}
