const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Parses a duration such as `"500ms"`, `"1s"`, `"5m"`, `"2h"`, `"1d"` into milliseconds; `undefined` when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** The most a step may be delayed: longer waits belong to a scheduler, not to a notification rule. */
export const MAX_STEP_DELAY_MS = 30 * UNITS.d!;
