/** Structured logging: one JSON object per line. Runtimes may pass their own sink. */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

const SECRET_KEY = /(authorization|password|secret|token|api[_-]?key|webhook[_-]?url|auth)/i;

/** Replaces the values of secret-looking fields so they never reach a log line. */
export function maskSecrets(fields: LogFields, secretKeys: readonly string[] = []): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_KEY.test(key) || secretKeys.includes(key) ? "[redacted]" : value;
  }
  return out;
}

/** Writes JSON lines through `write` (console.log by default). `minLevel` filters chatter. */
export function jsonLogger(options: { write?: (line: string) => void; minLevel?: LogLevel; clock?: () => number } = {}): Logger {
  const order: LogLevel[] = ["debug", "info", "warn", "error"];
  const min = order.indexOf(options.minLevel ?? "info");
  const write = options.write ?? ((line: string) => console.log(line));
  const now = options.clock ?? Date.now;
  return {
    log(level, msg, fields = {}) {
      if (order.indexOf(level) < min) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...maskSecrets(fields) }));
    },
  };
}

export const silentLogger: Logger = { log() {} };
