/**
 * Herald's default template helpers. Plain Handlebars helpers (arguments,
 * then `options`), so they work with this renderer and register unchanged on
 * the official `handlebars` package. Formatting uses only `Intl`, present on
 * Node, Workers and Deno. Bad input renders as "" instead of throwing: a
 * notification with a blank date beats one that is never sent.
 *
 * Locale: the `locale` hash argument, else `@root.subscriber.locale`, else "en".
 * Time zone (dates): the `timeZone` hash argument, else
 * `@root.subscriber.timezone`, else "UTC" (never the server's own zone).
 *
 * @example
 * {{formatDate data.at dateStyle="long" timeStyle="none"}}
 * {{formatCurrency data.total "RUB"}}  {{formatNumber data.km maximumFractionDigits=1}}
 * {{#if (and (gt data.count 0) (not data.muted))}}...{{/if}}
 * {{default subscriber.name "friend"}}  {{truncate data.text 60}}
 */
import type { HelperFn, HelperOptions } from "./types.js";

const hasOwn = Object.prototype.hasOwnProperty;

function own(parent: unknown, key: string): unknown {
  return parent !== null && typeof parent === "object" && hasOwn.call(parent, key) ? (parent as Record<string, unknown>)[key] : undefined;
}

/** Positional arguments and the trailing `options` Handlebars appends. */
function split(args: unknown[]): [unknown[], HelperOptions] {
  const last = args[args.length - 1] as HelperOptions | undefined;
  if (last && typeof last === "object" && typeof last.hash === "object") return [args.slice(0, -1), last];
  return [args, { name: "", hash: {} }];
}

function subscriberField(options: HelperOptions, key: string): unknown {
  return own(own(own(options.data, "root"), "subscriber"), key);
}

// Canonicalising a tag costs more than formatting; a deployment sees few distinct tags.
const canonical = new Map<string, string>();

function localeOf(options: HelperOptions): string {
  const requested = options.hash.locale ?? subscriberField(options, "locale");
  if (typeof requested !== "string" || !requested) return "en";
  let locale = canonical.get(requested);
  if (locale === undefined) {
    try {
      locale = Intl.getCanonicalLocales(requested)[0] ?? "en";
    } catch {
      locale = "en"; // malformed tag: fall back rather than fail the notification
    }
    if (canonical.size >= 256) canonical.clear();
    canonical.set(requested, locale);
  }
  return locale;
}

// Building an Intl formatter costs far more than using one; templates reuse a handful.
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function formatter<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) {
    f = make();
    if (formatters.size >= 256) formatters.delete(formatters.keys().next().value as string);
    formatters.set(key, f);
  }
  return f;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** ISO 8601 string (no offset = local time), epoch milliseconds, or a valid `Date`. */
function toDate(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === "number" && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === "string" && ISO_8601.test(value.trim())) date = new Date(value.trim());
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

type Style = "full" | "long" | "medium" | "short" | undefined;

/** Style hash value: default "medium", "none" leaves that part out. */
function styleOf(value: unknown): Style {
  if (value == null) return "medium";
  return value === "none" ? undefined : (String(value) as Style);
}

function dateFormat(locale: string, timeZone: string, dateStyle: Style, timeStyle: Style): Intl.DateTimeFormat {
  const key = `d|${locale}|${timeZone}|${dateStyle}|${timeStyle}`;
  return formatter(key, () => new Intl.DateTimeFormat(locale, { timeZone, dateStyle, timeStyle }));
}

/** `{{formatDate value dateStyle="medium" timeStyle="medium" locale="ru" timeZone="Europe/Moscow"}}` */
function formatDate(...args: unknown[]): string {
  const [[value], options] = split(args);
  const date = toDate(value);
  if (!date) return "";
  const { hash } = options;
  const locale = localeOf(options);
  const dateStyle = styleOf(hash.dateStyle);
  const timeStyle = styleOf(hash.timeStyle);
  try {
    if (hash.timeZone != null) return dateFormat(locale, String(hash.timeZone), dateStyle, timeStyle).format(date);
    const zone = subscriberField(options, "timezone");
    if (typeof zone === "string" && zone) {
      try {
        return dateFormat(locale, zone, dateStyle, timeStyle).format(date);
      } catch {
        // A bad zone in a subscriber profile: show UTC rather than nothing.
      }
    }
    return dateFormat(locale, "UTC", dateStyle, timeStyle).format(date);
  } catch {
    return "";
  }
}

function digits(value: unknown): number | undefined {
  return value == null ? undefined : Number(value);
}

/** `{{formatNumber value minimumFractionDigits=0 maximumFractionDigits=2 locale="ru"}}` */
function formatNumber(...args: unknown[]): string {
  const [[value], options] = split(args);
  const n = toNumber(value);
  if (n === undefined) return "";
  const locale = localeOf(options);
  const min = digits(options.hash.minimumFractionDigits);
  const max = digits(options.hash.maximumFractionDigits);
  try {
    const key = `n|${locale}|${min}|${max}`;
    return formatter(key, () => new Intl.NumberFormat(locale, { minimumFractionDigits: min, maximumFractionDigits: max })).format(n);
  } catch {
    return "";
  }
}

/** `{{formatCurrency amount "RUB" locale="ru-RU"}}`: amount in major units (12.5 = 12,50 ₽). */
function formatCurrency(...args: unknown[]): string {
  const [[value, code], options] = split(args);
  const n = toNumber(value);
  const currency = code ?? options.hash.currency;
  if (n === undefined || typeof currency !== "string" || !/^[A-Za-z]{3}$/.test(currency)) return "";
  const locale = localeOf(options);
  try {
    const key = `c|${locale}|${currency.toUpperCase()}`;
    return formatter(key, () => new Intl.NumberFormat(locale, { style: "currency", currency })).format(n);
  } catch {
    return "";
  }
}

/** True the way `{{#if}}` sees it: falsy values and empty arrays are false, 0 included. */
function truthy(value: unknown): boolean {
  return !!value && !(Array.isArray(value) && value.length === 0);
}

/** `gt`/`lt` compare numbers with numbers and strings with strings; mixed types are never ordered. */
function ordered(a: unknown, b: unknown): boolean {
  return (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
}

function eq(...args: unknown[]): boolean {
  const [[a, b]] = split(args);
  return a === b;
}

function ne(...args: unknown[]): boolean {
  const [[a, b]] = split(args);
  return a !== b;
}

function gt(...args: unknown[]): boolean {
  const [[a, b]] = split(args);
  return ordered(a, b) && (a as number) > (b as number);
}

function lt(...args: unknown[]): boolean {
  const [[a, b]] = split(args);
  return ordered(a, b) && (a as number) < (b as number);
}

function and(...args: unknown[]): boolean {
  return split(args)[0].every(truthy);
}

function or(...args: unknown[]): boolean {
  return split(args)[0].some(truthy);
}

function not(...args: unknown[]): boolean {
  return !truthy(split(args)[0][0]);
}

/** `{{default name "friend"}}`: the fallback when the value is null, undefined or "". */
function defaultValue(...args: unknown[]): unknown {
  const [[value, fallback]] = split(args);
  return value == null || value === "" ? fallback : value;
}

function text(value: unknown): string {
  return value == null ? "" : String(value);
}

function uppercase(...args: unknown[]): string {
  return text(split(args)[0][0]).toUpperCase();
}

function lowercase(...args: unknown[]): string {
  return text(split(args)[0][0]).toLowerCase();
}

/**
 * `{{truncate text 60}}`: at most 60 code points including the suffix
 * (hash `suffix`, default "…"). Counts code points, so a surrogate pair
 * (most emoji) is never cut in half; a non-integer length leaves the text as is.
 */
function truncate(...args: unknown[]): string {
  const [[value, length], options] = split(args);
  const input = text(value);
  const max = Number(length);
  if (!Number.isInteger(max) || max < 0) return input;
  const points = Array.from(input);
  if (points.length <= max) return input;
  const suffix = options.hash.suffix == null ? "…" : String(options.hash.suffix);
  const room = max - Array.from(suffix).length;
  return room > 0 ? points.slice(0, room).join("") + suffix : points.slice(0, max).join("");
}

/**
 * Herald's default helpers: pass as `helpers` to the renderer, or
 * `Handlebars.registerHelper(defaultHelpers)`. Frozen, which also lets the
 * renderer reuse its merged helper table across renders.
 */
export const defaultHelpers: Readonly<Record<string, HelperFn>> = Object.freeze({
  formatDate,
  formatNumber,
  formatCurrency,
  eq,
  ne,
  gt,
  lt,
  and,
  or,
  not,
  default: defaultValue,
  uppercase,
  lowercase,
  truncate,
});
