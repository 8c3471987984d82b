/** Structured logging: one JSON object per line. Runtimes may pass their own sink. */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

const SECRET_KEY = /(authorization|password|secret|token|api[_-]?key|webhook[_-]?url|auth)/i;

/**
 * Secrets that travel inside text Herald logs (a request path, an error message, a URL), each with
 * what it becomes. Paths and URLs are logged whole, so whatever a URL may carry is masked here, once,
 * for every log line: unsubscribe links carry a 400-day token in the path, browsers put subscriber
 * tokens in `?token=` (EventSource and WebSocket cannot set headers), providers' URLs may carry keys
 * in the query or credentials before the host.
 */
const SECRET_TEXT: [RegExp, string][] = [
  [/(\/v1\/unsubscribe\/)[^/?#\s"']+/g, "$1[redacted]"],
  [/([?&;](?:[\w.-]*token|[\w.-]*key|secret|password|passwd|signature|sig|auth|code|credentials?)=)[^&#\s"']*/gi, "$1[redacted]"],
  [/\b(Bearer|Basic)\s+[^\s"',]+/gi, "$1 [redacted]"],
  [/\b(hk|whsec)_[\w+/=-]{8,}/g, "$1_[redacted]"],
  // Herald's subscriber tokens and JWTs: base64url JSON (`{"` is `eyJ`), a dot, a MAC.
  [/\beyJ[\w-]{8,}\.[\w-]{16,}(?:\.[\w-]+)?/g, "[redacted token]"],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s"'@]+@/gi, "$1[redacted]@"],
];
// Most logged text (ids, paths without secrets) contains none of these: it skips the expressions.
const MAYBE_SECRET = /unsubscribe|=|bearer|basic|hk_|whsec_|eyj|@/i;

/** Text with every secret SECRET_TEXT knows replaced. */
export function redactText(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth >= 3 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  return maskFields(value as LogFields, [], depth + 1);
}

function maskFields(fields: LogFields, secretKeys: readonly string[], depth: number): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_KEY.test(key) || secretKeys.includes(key) ? "[redacted]" : redactValue(value, depth);
  }
  return out;
}

/** Replaces the values of secret-looking fields, and secrets inside text values, so they never reach a log line. */
export function maskSecrets(fields: LogFields, secretKeys: readonly string[] = []): LogFields {
  return maskFields(fields, secretKeys, 0);
}

/**
 * Writes JSON lines through `write` (console.log by default). `minLevel` filters chatter. One line
 * per entry whatever the text holds: JSON.stringify escapes line breaks, so no value can start a line.
 */
export function jsonLogger(options: { write?: (line: string) => void; minLevel?: LogLevel; clock?: () => number } = {}): Logger {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  const min = order.indexOf(options.minLevel ?? "info");
  const write = options.write ?? ((line: string) => console.log(line));
  const now = options.clock ?? Date.now;
  return {
    log(level, msg, fields = {}) {
      if (order.indexOf(level) < min) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg: redactText(msg), ...maskSecrets(fields) }));
    },
  };
}

export const silentLogger: Logger = { log() {} };

/** Secret configuration the logger masks: field names, and the values themselves wherever they appear. */
export interface KnownSecrets {
  names: readonly string[];
  values: readonly string[];
}

// Shorter values are not replaced inside text: a 3-character "secret" would mangle every line that
// happens to contain it, and no real key or hook URL is that short.
const MIN_SECRET_LENGTH = 8;

function replaceKnown(value: unknown, values: readonly string[], depth: number): unknown {
  if (typeof value === "string") {
    let out = value;
    for (const secret of values) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    return out;
  }
  if (depth >= 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => replaceKnown(v, values, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceKnown(v, values, depth + 1)]));
}

/**
 * A logger that also masks the secrets the channel declarations name (`secret: true` fields: their
 * names as fields, their configured values inside any text), before `inner` applies its own masking.
 * `secrets` is read on every line, so it can be filled once the channels are configured.
 */
export function maskingLogger(inner: Logger, secrets: KnownSecrets): Logger {
  return {
    log(level, msg, fields = {}) {
      const values = secrets.values.filter((v) => v.length >= MIN_SECRET_LENGTH);
      const named = maskSecrets(fields, secrets.names);
      inner.log(level, replaceKnown(msg, values, 0) as string, values.length > 0 ? (replaceKnown(named, values, 0) as LogFields) : named);
    },
  };
}
