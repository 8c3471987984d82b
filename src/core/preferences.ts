import { z } from "@hono/zod-openapi";

const ChannelId = z.string().regex(/^[a-z][a-z0-9-]*$/, "a channel id such as email or sms").max(64);
const Category = z.string().min(1).max(128);
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day such as "22:00"');

/**
 * What a subscriber allows. Critical rules (orders, security) ignore `channels` and `categories`;
 * everything else honours them at send time, so a change reaches messages not yet sent.
 * - `channels`: a channel switched off for every non-critical message;
 * - `categories`: a rule category (or rule id) off everywhere (`false`) or per channel;
 * - `quietHours`: in the subscriber's timezone, channels that defer (SMS, push) wait until `end`.
 */
export const Preferences = z
  .strictObject({
    channels: z.record(ChannelId, z.boolean()).optional(),
    categories: z.record(Category, z.union([z.boolean(), z.record(ChannelId, z.boolean())])).optional(),
    quietHours: z.strictObject({ start: Clock, end: Clock }).nullable().optional(),
  })
  .openapi("Preferences");
export type Preferences = z.infer<typeof Preferences>;

/** A JSON merge patch (RFC 7396) of Preferences: `null` removes a key. */
export const PreferencesPatch = z
  .strictObject({
    channels: z.record(ChannelId, z.boolean().nullable()).nullable().optional(),
    categories: z.record(Category, z.union([z.boolean(), z.record(ChannelId, z.boolean().nullable())]).nullable()).nullable().optional(),
    quietHours: z.strictObject({ start: Clock, end: Clock }).nullable().optional(),
  })
  .openapi("PreferencesPatch");
export type PreferencesPatch = z.infer<typeof PreferencesPatch>;

/** RFC 7396 merge: objects merge key by key, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

export function applyPreferencesPatch(current: Preferences, patch: PreferencesPatch): Preferences {
  const merged = mergePatch(current, patch) as Record<string, unknown>;
  // Drop emptied maps so the stored document stays minimal.
  for (const key of ["channels", "categories"]) {
    const value = merged[key];
    if (value && typeof value === "object" && Object.keys(value).length === 0) delete merged[key];
  }
  return Preferences.parse(merged);
}

export interface MessageKind {
  channel: string;
  category: string;
  critical: boolean;
}

/** Why preferences forbid this message, or undefined when they allow it. */
export function mutedBy(preferences: Preferences | null | undefined, message: MessageKind): string | undefined {
  if (!preferences || message.critical) return undefined;
  if (preferences.channels?.[message.channel] === false) return `the subscriber turned ${message.channel} off`;
  const category = preferences.categories?.[message.category];
  if (category === false) return `the subscriber turned category "${message.category}" off`;
  if (category && typeof category === "object" && category[message.channel] === false) {
    return `the subscriber turned category "${message.category}" off on ${message.channel}`;
  }
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function minutesOfDay(timeZone: string | null | undefined, at: number): number {
  const zone = timeZone || "UTC";
  let format = formatters.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch {
      // A timezone the runtime does not know (validated on input, but data outlives runtimes): use UTC.
      return minutesOfDay("UTC", at);
    }
    formatters.set(zone, format);
  }
  const parts = format.formatToParts(at);
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  return hour * 60 + minute;
}

const toMinutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * When the subscriber's quiet hours end, if `at` falls inside them; undefined otherwise. The window
 * may wrap midnight (22:00–08:00). Computed in minutes from the local wall clock, so a DST change
 * inside the window moves the end by at most an hour.
 */
export function quietHoursEnd(preferences: Preferences | null | undefined, timeZone: string | null | undefined, at: number): number | undefined {
  const window = preferences?.quietHours;
  if (!window) return undefined;
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start === end) return undefined;
  const now = minutesOfDay(timeZone, at);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  const wait = (end - now + 1440) % 1440;
  // Whole minutes from now, landing at the start of the `end` minute.
  return at - (at % 60_000) + wait * 60_000;
}
