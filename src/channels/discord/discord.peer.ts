/**
 * A Discord channel webhook, as Discord's Execute Webhook and rate-limit documentation describe it:
 * `POST /api/webhooks/<id>/<token>` with JSON (`content` ≤ 2,000, `embeds` ≤ 10 with title ≤ 256,
 * description ≤ 4,096 and 6,000 characters in all, `allowed_mentions`, `components` read only with
 * `?with_components=true`, where a webhook not owned by an application may send link buttons but
 * no interactive ones); `?wait=true` answers 200 with the message, else 204. Errors are JSON
 * `{message, code}`: 404 Unknown Webhook (10015), 401 Invalid Webhook Token (50027), 400 Cannot send
 * an empty message (50006), 400 Invalid Form Body (50035, with `errors`). Every answer carries
 * X-RateLimit-* headers; past the bucket (off unless `rateLimit` is set) it answers 429 with
 * `{message, retry_after (seconds, fractional), global}` and Retry-After. It also records whom a
 * message would have pinged, by the allowed-mentions rules.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody, type ScriptStep } from "../shared/scripted.peer.js";

export interface DiscordMessage {
  id: string;
  content?: string;
  embeds: Record<string, any>[];
  /** As kept by Discord: absent unless the request asked `with_components=true`. */
  components: Record<string, any>[];
  username?: string;
  avatar_url?: string;
  allowed_mentions?: Record<string, unknown>;
  /** Who this message notified: `everyone` (also @here), user ids, role ids. Empty when nobody was pinged. */
  pinged: string[];
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface DiscordPeer {
  url: string;
  /** The webhook URL Herald is configured with. */
  hookUrl: string;
  /** The same webhook after it was deleted in Discord. */
  deletedHookUrl: string;
  /** The right webhook id with a wrong token. */
  wrongTokenUrl: string;
  received: DiscordMessage[];
  script: ScriptStep[];
  /** A per-webhook bucket: at most `limit` messages per `windowMs`; off when undefined. */
  rateLimit?: { limit: number; windowMs: number };
  requests: { at: number; status: number; retryAfter?: number }[];
  close(): Promise<void>;
}

const WEBHOOK_ID = "1180000000000000001";
const WEBHOOK_TOKEN = "dW4uT0tFTi1oZXJhbGQtZGlzY29yZC1wZWVyLXRva2VuLXZhbHVl";
const DELETED_ID = "1180000000000000099";

const EMBED_TEXT_FIELDS = ["title", "description"] as const;

/** Invalid Form Body problems for a request body (field path → message); empty when Discord would accept it. */
export function formProblems(body: Record<string, any>, withComponents: boolean): Record<string, string> {
  const problems: Record<string, string> = {};
  if (body.content !== undefined && (typeof body.content !== "string" || body.content.length > 2000)) problems.content = "Must be 2000 or fewer in length.";
  if (body.username !== undefined && (typeof body.username !== "string" || body.username.length < 1 || body.username.length > 80 || /discord|clyde/i.test(body.username))) problems.username = "Username is invalid.";
  if (body.embeds !== undefined) {
    if (!Array.isArray(body.embeds) || body.embeds.length > 10) problems.embeds = "Must be 10 or fewer in length.";
    else {
      let total = 0;
      body.embeds.forEach((e: any, i: number) => {
        if (e?.title !== undefined && (typeof e.title !== "string" || e.title.length > 256)) problems[`embeds.${i}.title`] = "Must be 256 or fewer in length.";
        if (e?.description !== undefined && (typeof e.description !== "string" || e.description.length > 4096)) problems[`embeds.${i}.description`] = "Must be 4096 or fewer in length.";
        for (const f of EMBED_TEXT_FIELDS) total += typeof e?.[f] === "string" ? e[f].length : 0;
      });
      if (total > 6000) problems.embeds = "Embed size exceeds maximum size of 6000";
    }
  }
  const parse = body.allowed_mentions?.parse;
  if (parse !== undefined && (!Array.isArray(parse) || parse.some((p: unknown) => p !== "users" && p !== "roles" && p !== "everyone"))) problems["allowed_mentions.parse"] = "Value is not a valid enum value.";
  if (withComponents && body.components !== undefined) {
    if (!Array.isArray(body.components) || body.components.length > 5) problems.components = "Must be 5 or fewer in length.";
    else
      body.components.forEach((row: any, i: number) => {
        if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length < 1 || row.components.length > 5) return (problems[`components.${i}`] = "An action row holds 1 to 5 buttons.");
        row.components.forEach((b: any, j: number) => {
          const at = `components.${i}.components.${j}`;
          if (b?.type !== 2) return (problems[at] = "Only buttons are expected here.");
          if (b.style !== 5 || b.custom_id !== undefined) return (problems[at] = "Interactive components cannot be sent by a webhook not owned by an application.");
          if (typeof b.url !== "string" || b.url.length > 512 || !/^(https?|discord):\/\//.test(b.url)) problems[`${at}.url`] = "Scheme must be one of ('http', 'https', 'discord').";
          if (b.label !== undefined && (typeof b.label !== "string" || b.label.length > 80)) problems[`${at}.label`] = "Must be 80 or fewer in length.";
        });
      });
  }
  return problems;
}

/** Whom Discord would notify: all mentions when `allowed_mentions` is absent, only the parsed kinds otherwise. */
function pingedBy(content: string, allowed: any): string[] {
  const parse: string[] = allowed === undefined ? ["everyone", "users", "roles"] : Array.isArray(allowed?.parse) ? allowed.parse : [];
  const users: string[] = Array.isArray(allowed?.users) ? allowed.users : [];
  const out: string[] = [];
  if (parse.includes("everyone") && /@(everyone|here)/.test(content)) out.push("everyone");
  for (const [, id] of content.matchAll(/<@!?(\d+)>/g)) if (parse.includes("users") || users.includes(id!)) out.push(id!);
  for (const [, id] of content.matchAll(/<@&(\d+)>/g)) if (parse.includes("roles")) out.push(`role:${id}`);
  return out;
}

let snowflake = 1_190_000_000_000_000_000n;

export async function startDiscordPeer(): Promise<DiscordPeer> {
  const peer = {
    received: [] as DiscordMessage[],
    script: [] as ScriptStep[],
    rateLimit: undefined as DiscordPeer["rateLimit"],
    requests: [] as DiscordPeer["requests"],
  };
  const window: number[] = [];

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const at = Date.now();
    const url = new URL(req.url ?? "/", "http://peer");
    const query = Object.fromEntries(url.searchParams);
    const step = await nextStep(peer);
    const bucketHeaders = (remaining: number, resetAfter: number): Record<string, string> => ({
      "x-ratelimit-limit": String(peer.rateLimit?.limit ?? 5),
      "x-ratelimit-remaining": String(Math.max(0, remaining)),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-reset": ((Date.now() + resetAfter * 1000) / 1000).toFixed(3),
      "x-ratelimit-bucket": "b3f1a0c9e7d24f8aa6c5e0d1",
    });
    const answer = (status: number, body?: unknown, headers: Record<string, string> = {}, retryAfter?: number) => {
      peer.requests.push({ at, status, retryAfter });
      res.writeHead(status, body === undefined ? headers : { "content-type": "application/json", ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const rateLimited = (seconds: number) =>
      answer(429, { message: "You are being rate limited.", retry_after: seconds, global: false }, { "retry-after": String(Math.ceil(seconds)), "x-ratelimit-scope": "shared", ...bucketHeaders(0, seconds) }, seconds);

    if (step?.status && step.status !== 200) {
      if (step.status === 429) return rateLimited(Number(step.retryAfter ?? "1"));
      if (step.status >= 500) return answer(step.status, { message: "500: Internal Server Error", code: 0 });
      return answer(step.status, { message: "Invalid Form Body", code: 50035, errors: {} });
    }

    const match = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "POST" || !match) return answer(405, { message: "405: Method Not Allowed", code: 0 });
    if (match[1] !== WEBHOOK_ID) return answer(404, { message: "Unknown Webhook", code: 10015 });
    if (match[2] !== WEBHOOK_TOKEN) return answer(401, { message: "Invalid Webhook Token", code: 50027 });

    if (peer.rateLimit) {
      while (window.length && window[0]! <= at - peer.rateLimit.windowMs) window.shift();
      if (window.length >= peer.rateLimit.limit) return rateLimited((window[0]! + peer.rateLimit.windowMs - at) / 1000);
      window.push(at);
    }

    let body: Record<string, any>;
    try {
      body = JSON.parse(raw);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      return answer(400, { message: "The request body contains invalid JSON.", code: 50109 });
    }
    const withComponents = query.with_components === "true";
    const problems = formProblems(body, withComponents);
    if (Object.keys(problems).length) return answer(400, { message: "Invalid Form Body", code: 50035, errors: problems });
    const components = withComponents && Array.isArray(body.components) ? body.components : [];
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    const content = typeof body.content === "string" ? body.content : "";
    if (content.trim() === "" && embeds.length === 0 && components.length === 0) return answer(400, { message: "Cannot send an empty message", code: 50006 });

    const id = String(++snowflake);
    const message: DiscordMessage = {
      id,
      content: body.content,
      embeds,
      components,
      username: body.username,
      avatar_url: body.avatar_url,
      allowed_mentions: body.allowed_mentions,
      pinged: pingedBy(content, body.allowed_mentions),
      query,
      headers: req.headers,
      at,
    };
    peer.received.push(message);
    const headers = bucketHeaders((peer.rateLimit?.limit ?? 5) - window.length, (peer.rateLimit?.windowMs ?? 2000) / 1000);
    if (query.wait !== "true") return answer(204, undefined, headers);
    return answer(
      200,
      {
        id,
        type: 0,
        content,
        channel_id: "1180000000000000777",
        webhook_id: WEBHOOK_ID,
        author: { id: WEBHOOK_ID, username: body.username ?? "Herald", bot: true },
        embeds,
        components,
        mention_everyone: message.pinged.includes("everyone"),
        timestamp: new Date(at).toISOString(),
      },
      headers,
    );
  });

  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url: base,
    hookUrl: `${base}/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}`,
    deletedHookUrl: `${base}/api/webhooks/${DELETED_ID}/${WEBHOOK_TOKEN}`,
    wrongTokenUrl: `${base}/api/webhooks/${WEBHOOK_ID}/not-the-token`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
