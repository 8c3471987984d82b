/**
 * A generic HTTP SMS gateway (Kannel, playSMS, Android SMS gateways, in-house relays): the URL, method,
 * headers and a field template come from configuration.
 *
 * The body template is JSON whose string values may hold `{{to}}`, `{{text}}` and `{{id}}` (the
 * notification id). Placeholders are filled inside each string value and the result is then encoded as
 * a whole, as JSON (`format: "json"`), as a form (`"form"`), or into the query string (method GET), so
 * a message text can never break out of its field whatever it holds.
 *
 * @example
 * // SMS_GATEWAY_BODY='{"phone":"{{to}}","message":"{{text}}","ref":"{{id}}"}'
 * // SMS_GATEWAY_HEADERS='{"authorization":"Bearer …"}'  SMS_GATEWAY_ID_PATH=data.messageId
 */
import { HeraldError } from "../../core/errors.js";
import { compileTemplate, type CompiledTemplate } from "../../templates/index.js";
import { resultFromError, resultFromResponse } from "../shared/http-result.js";
import type { SmsProvider } from "./provider.js";

export interface GatewayOptions {
  url: string;
  /** Default POST. */
  method: "GET" | "POST" | "PUT" | "PATCH";
  /** JSON object of header names to values (may carry an API key). */
  headers?: string;
  /** JSON template of the fields; see the module comment. */
  body: string;
  /** `json` (default) or `form`; ignored for GET, which sends the fields as query parameters. */
  format: "json" | "form";
  /** Dotted path of the provider's message id in a JSON answer, e.g. `data.messageId` or `messages.0.id`. */
  idPath?: string;
  timeoutMs: number;
}

export const DEFAULT_GATEWAY_BODY = '{"to":"{{to}}","text":"{{text}}","id":"{{id}}"}';

/** A string value of the body template, parsed once. */
class Placeholder {
  constructor(readonly template: CompiledTemplate) {}
}
type Shape = string | number | boolean | null | Placeholder | Shape[] | { [key: string]: Shape };
interface Fields {
  to: string;
  text: string;
  id: string;
}

export function createGatewayProvider(options: GatewayOptions): SmsProvider {
  const bad = (why: string) => new HeraldError("bad_config", why, { pluginId: "sms" });
  const method = options.method;
  const format = method === "GET" ? "query" : options.format;
  const headers = parseHeaders(options.headers, bad);
  const shape = compileShape(parseJson(options.body, "SMS_GATEWAY_BODY", bad), bad);
  if (format !== "json" && (typeof shape !== "object" || shape === null || Array.isArray(shape) || isTemplate(shape) || Object.values(shape).some((v) => typeof v === "object" && v !== null && !isTemplate(v)))) {
    throw bad("SMS_GATEWAY_BODY: form and query fields must be a flat JSON object of strings");
  }
  const idPath = options.idPath?.split(".").filter(Boolean);

  return {
    id: "gateway",
    async send({ to, text, notificationId }, ctx) {
      const fields = fill(shape, { to, text, id: notificationId });
      let url = options.url;
      let body: string | undefined;
      const contentType: Record<string, string> = {};
      if (format === "query") {
        const target = new URL(options.url);
        for (const [k, v] of Object.entries(fields as Record<string, unknown>)) target.searchParams.append(k, String(v ?? ""));
        url = target.toString();
      } else if (format === "form") {
        body = new URLSearchParams(Object.entries(fields as Record<string, unknown>).map(([k, v]) => [k, String(v ?? "")])).toString();
        contentType["content-type"] = "application/x-www-form-urlencoded";
      } else {
        body = JSON.stringify(fields);
        contentType["content-type"] = "application/json";
      }
      try {
        const response = await ctx.fetch(url, {
          method,
          headers: { ...contentType, "x-herald-notification-id": notificationId, ...headers },
          body,
          timeoutMs: options.timeoutMs,
        });
        return await resultFromResponse(response, ctx.clock.now(), idPath ? (raw) => readPath(raw, idPath) : undefined);
      } catch (error) {
        return resultFromError(error);
      }
    },
  };
}

function parseJson(text: string, name: string, bad: (why: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Never echo the value: it may hold credentials.
    throw bad(`${name}: is not valid JSON`);
  }
}

function parseHeaders(text: string | undefined, bad: (why: string) => Error): Record<string, string> {
  if (!text) return {};
  const value = parseJson(text, "SMS_GATEWAY_HEADERS", bad);
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw bad("SMS_GATEWAY_HEADERS: must be a JSON object of header names to string values");
  }
  return value as Record<string, string>;
}

function isTemplate(value: unknown): value is Placeholder {
  return value instanceof Placeholder;
}

/** Compiles every string once, at start-up, so a broken placeholder fails early rather than per message. */
function compileShape(value: unknown, bad: (why: string) => Error, path = "SMS_GATEWAY_BODY"): Shape {
  if (typeof value === "string") {
    try {
      return new Placeholder(compileTemplate(value));
    } catch (error) {
      throw bad(`${path}: ${(error as Error).message}`);
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => compileShape(v, bad, `${path}.${i}`));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compileShape(v, bad, `${path}.${k}`)]));
  }
  return value as Shape;
}

function fill(shape: Shape, fields: Fields): unknown {
  // noEscape: the values are encoded as a whole afterwards (JSON, form, query); HTML escaping would corrupt the SMS.
  if (isTemplate(shape)) return shape.template.render(fields, { noEscape: true });
  if (Array.isArray(shape)) return shape.map((s) => fill(s, fields));
  if (typeof shape === "object" && shape !== null) return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fill(v, fields)]));
  return shape;
}

/** The value at a dotted path of a JSON answer, as a string; undefined when absent or not JSON. */
export function readPath(raw: string, path: string[]): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}
