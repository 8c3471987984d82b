/**
 * A Mattermost incoming-webhook endpoint, as Mattermost documents it: POST /hooks/<key> with a JSON
 * body (or form field `payload`), `text` required unless `attachments` are given, optional
 * `username`, `icon_url`, `channel`, `props`; answers 200 `ok` (text/plain), or 400 with Mattermost's
 * JSON error for an unknown hook or an unparseable body. Test knobs make it fail on purpose.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody } from "../shared/scripted.peer.js";

export interface ReceivedPost {
  text: string;
  username?: string;
  icon_url?: string;
  channel?: string;
  props?: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface MattermostPeer {
  url: string;
  /** The webhook URL Herald is configured with. */
  hookUrl: string;
  received: ReceivedPost[];
  /** Next answers, used up one by one: a status code, optionally with Retry-After, or a delay. */
  script: { status?: number; retryAfter?: string; delayMs?: number }[];
  /** Answer every request with this status until cleared. */
  failWith?: number;
  /** Sent as Retry-After with `failWith`. */
  failRetryAfter?: string;
  /** Posts answered 200 or a scripted failure, as they arrived: when, the status, which notification. */
  requests: { at: number; status: number; notificationId?: string }[];
  /** Added to every answer, to keep deliveries in flight. */
  latencyMs: number;
  /** Counts of arrivals per Herald notification id. */
  arrivals(): Map<string, number>;
  close(): Promise<void>;
}

const HOOK_KEY = "3x8kq9wz7pb4tn1ma6yr5c2dfe";

function mattermostError(id: string, message: string, status: number) {
  return JSON.stringify({ id, message, detailed_error: "", request_id: "peer", status_code: status });
}

export async function startMattermostPeer(): Promise<MattermostPeer> {
  const peer = {
    received: [] as ReceivedPost[],
    script: [] as MattermostPeer["script"],
    failWith: undefined as number | undefined,
    failRetryAfter: undefined as string | undefined,
    requests: [] as MattermostPeer["requests"],
    latencyMs: 0,
  };
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const at = Date.now();
    const step = await nextStep(peer);
    const status = step?.status ?? peer.failWith;
    const notificationId = req.headers["x-herald-notification-id"] as string | undefined;
    if (status && status !== 200) {
      peer.requests.push({ at, status, notificationId });
      const retryAfter = step?.status ? step.retryAfter : peer.failRetryAfter;
      res.writeHead(status, { "content-type": "application/json", ...(retryAfter ? { "retry-after": retryAfter } : {}) });
      res.end(mattermostError("peer.scripted_failure", `scripted ${status}`, status));
      return;
    }
    if (req.method !== "POST" || req.url !== `/hooks/${HOOK_KEY}`) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(mattermostError("web.incoming_webhook.invalid.app_error", "Invalid webhook.", 400));
      return;
    }
    let body: Record<string, unknown>;
    try {
      const type = req.headers["content-type"] ?? "";
      body = type.startsWith("application/x-www-form-urlencoded") ? JSON.parse(new URLSearchParams(raw).get("payload") ?? "") : JSON.parse(raw);
      if (typeof body !== "object" || body === null) throw new Error("not an object");
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(mattermostError("web.incoming_webhook.parse.app_error", "Unable to parse incoming data.", 400));
      return;
    }
    const { text, username, icon_url, channel, props, attachments } = body;
    const badString = [username, icon_url, channel].some((v) => v !== undefined && typeof v !== "string");
    if (((typeof text !== "string" || text === "") && !Array.isArray(attachments)) || badString) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(mattermostError("web.incoming_webhook.text.app_error", "No text specified.", 400));
      return;
    }
    peer.received.push({
      text: text as string,
      username: username as string | undefined,
      icon_url: icon_url as string | undefined,
      channel: channel as string | undefined,
      props: props as Record<string, unknown> | undefined,
      headers: req.headers,
      at: Date.now(),
    });
    peer.requests.push({ at, status: 200, notificationId });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url,
    hookUrl: `${url}/hooks/${HOOK_KEY}`,
    arrivals() {
      const counts = new Map<string, number>();
      for (const p of peer.received) {
        const id = String(p.props?.herald_notification_id ?? p.headers["x-herald-notification-id"]);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
