/**
 * A server speaking Resend's documented email API: `POST /emails` with `Authorization: Bearer <key>`
 * and a JSON body (`from`, `to` string or array of at most 50, `subject`, `html` and/or `text`,
 * optional `headers`, `tags`, `reply_to`); answers `200 {"id": "<uuid>"}`. Errors are
 * `{"statusCode", "name", "message"}`: 401 `missing_api_key`, 403 `invalid_api_key`,
 * 422 `validation_error` / `missing_required_field`, 429 `rate_limit_exceeded` with Retry-After.
 * `Idempotency-Key` (max 256 chars) returns the first answer again for a repeated key. Test knobs
 * make it fail or stall on purpose. `signWebhook` signs events the way Resend (Svix) does.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody } from "../shared/scripted.peer.js";

export interface ResendEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  reply_to?: string | string[];
  headers?: Record<string, string>;
  tags?: { name: string; value: string }[];
  idempotencyKey?: string;
}

export interface ResendPeer {
  url: string;
  apiKey: string;
  emails: ResendEmail[];
  script: { status?: number; retryAfter?: string; delayMs?: number }[];
  close(): Promise<void>;
}

const NAMES: Record<number, string> = {
  400: "invalid_idempotency_key",
  401: "missing_api_key",
  403: "invalid_api_key",
  404: "not_found",
  409: "invalid_idempotent_request",
  422: "validation_error",
  429: "rate_limit_exceeded",
  500: "internal_server_error",
  503: "application_error",
};

export async function startResendPeer(): Promise<ResendPeer> {
  const apiKey = `re_${randomUUID().replace(/-/g, "")}`;
  const peer = { apiKey, emails: [] as ResendEmail[], script: [] as ResendPeer["script"] };
  const byKey = new Map<string, string>();
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify({ statusCode: status, name: NAMES[status] ?? "application_error", message }));
    };
    const step = await nextStep(peer);
    if (step?.status) return fail(step.status, `scripted ${step.status}`, step.retryAfter ? { "retry-after": step.retryAfter } : {});
    if (req.method !== "POST" || req.url !== "/emails") return fail(404, "The requested endpoint does not exist.");
    const auth = req.headers.authorization;
    if (!auth) return fail(401, "Missing API key in the authorization header.");
    if (auth !== `Bearer ${apiKey}`) return fail(403, "API key is invalid.");
    let body: Partial<ResendEmail>;
    try {
      body = JSON.parse(raw) as Partial<ResendEmail>;
    } catch {
      return fail(422, "Invalid JSON body.");
    }
    const to = typeof body.to === "string" ? [body.to] : body.to;
    if (!body.from || !to?.length || body.subject === undefined) return fail(422, "Missing `from`, `to` or `subject` field.");
    if (to.length > 50) return fail(422, "Too many recipients: at most 50.");
    if (!body.html && !body.text) return fail(422, "Missing `html` or `text` field.");
    const key = req.headers["idempotency-key"] as string | undefined;
    if (key !== undefined && (key.length < 1 || key.length > 256)) return fail(400, "Idempotency key must be between 1-256 characters.");
    let id = key ? byKey.get(key) : undefined;
    if (!id) {
      id = randomUUID();
      if (key) byKey.set(key, id);
      peer.emails.push({ ...(body as ResendEmail), to, id, idempotencyKey: key });
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}

/** Headers Resend (through Svix) sends with a webhook: `svix-id`, `svix-timestamp`, `svix-signature: v1,<base64>`. */
export function signWebhook(secret: string, body: string, at = Date.now(), id = `msg_${randomUUID()}`): Headers {
  const timestamp = String(Math.floor(at / 1000));
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return new Headers({ "svix-id": id, "svix-timestamp": timestamp, "svix-signature": `v1,${signature}`, "content-type": "application/json" });
}
