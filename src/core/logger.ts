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
