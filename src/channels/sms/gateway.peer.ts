/**
 * A local SMS gateway of the two kinds Herald's generic provider targets:
 * - a JSON/form API, `POST /api/v1/sms` with `X-Api-Key`, fields `phone`, `message`, `ref`; answers
 *   200 `{"status":"queued","data":{"messageId":"gw-…"}}`, or 4xx `{"error": …}` for a bad key or field;
 * - Kannel's `sendsms` interface, `GET /cgi-bin/sendsms?username&password&to&text`, answering 202
 *   `0: Accepted for delivery` as text.
 * Test knobs make it fail on purpose.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody } from "../shared/scripted.peer.js";

export interface GatewaySms {
  route: "api" | "kannel";
  phone: string;
  message: string;
  ref: string | undefined;
  messageId: string;
  contentType: string | undefined;
  headers: IncomingMessage["headers"];
  /** When it arrived (ms since the epoch): for rate checks. */
  at: number;
}

export interface SmsGatewayPeer {
  url: string;
  apiKey: string;
  received: GatewaySms[];
  script: { status?: number; retryAfter?: string; delayMs?: number }[];
  latencyMs: number;
  /** Env for the JSON API route. */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startSmsGatewayPeer(): Promise<SmsGatewayPeer> {
  const apiKey = "gw-key-7f3a9c";
  const peer = { received: [] as GatewaySms[], script: [] as SmsGatewayPeer["script"], latencyMs: 0 };
  let counter = 0;
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const step = await nextStep(peer);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(value));
    };
    if (step?.status) return json(step.status, { error: `scripted ${step.status}` }, step.retryAfter ? { "retry-after": step.retryAfter } : {});

    const url = new URL(req.url ?? "/", "http://gateway");
    if (req.method === "GET" && url.pathname === "/cgi-bin/sendsms") {
      const q = url.searchParams;
      if (q.get("username") !== "herald" || q.get("password") !== apiKey) {
        res.writeHead(403, { "content-type": "text/plain" });
        return res.end("Authorization failed for sendsms");
      }
      const to = q.get("to");
      const text = q.get("text");
      if (!to || text === null) {
        res.writeHead(400, { "content-type": "text/plain" });
        return res.end("Missing receiver number, rejected");
      }
      const messageId = `kannel-${++counter}`;
      peer.received.push({ route: "kannel", phone: to, message: text, ref: q.get("dlr-id") ?? undefined, messageId, contentType: undefined, headers: req.headers, at: Date.now() });
      res.writeHead(202, { "content-type": "text/plain" });
      return res.end("0: Accepted for delivery");
    }

    if (url.pathname !== "/api/v1/sms" || req.method !== "POST") return json(404, { error: "not found" });
    if (req.headers["x-api-key"] !== apiKey) return json(401, { error: "invalid api key" });
    const type = req.headers["content-type"] ?? "";
    let fields: Record<string, unknown>;
    try {
      fields = type.startsWith("application/json")
        ? JSON.parse(raw)
        : type.startsWith("application/x-www-form-urlencoded")
          ? Object.fromEntries(new URLSearchParams(raw))
          : (() => {
              throw new Error("unsupported content type");
            })();
    } catch (error) {
      return json(400, { error: (error as Error).message });
    }
    const { phone, message, ref } = fields;
    if (typeof phone !== "string" || typeof message !== "string" || message === "") return json(422, { error: "phone and message are required" });
    const messageId = `gw-${++counter}`;
    peer.received.push({ route: "api", phone, message, ref: typeof ref === "string" ? ref : undefined, messageId, contentType: type, headers: req.headers, at: Date.now() });
    json(200, { status: "queued", data: { messageId } });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url,
    apiKey,
    env: (extra: Record<string, string> = {}) => ({
      SMS_GATEWAY_URL: `${url}/api/v1/sms`,
      SMS_GATEWAY_HEADERS: JSON.stringify({ "x-api-key": apiKey }),
      SMS_GATEWAY_BODY: '{"phone":"{{to}}","message":"{{text}}","ref":"{{id}}"}',
      SMS_GATEWAY_ID_PATH: "data.messageId",
      ...extra,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
