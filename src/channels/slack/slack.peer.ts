/**
 * Slack, as its documentation describes it, for tests:
 * - Incoming webhooks at `/services/T…/B…/<secret>`: JSON body with `text` and/or `blocks`; answers
 *   200 `ok` (text/plain), 400 `invalid_payload` (unparseable), 400 `no_text`, 400 `invalid_blocks`,
 *   404 `no_service` (unknown hook), 410 `channel_is_archived`, 429 `rate_limited` with Retry-After.
 * - Web API `POST /api/chat.postMessage` (JSON, `Authorization: Bearer`): 200 `{ok: true, channel,
 *   ts, message}` or 200 `{ok: false, error}` (`not_authed`, `invalid_auth`, `channel_not_found`,
 *   `not_in_channel`, `is_archived`, `no_text`, `invalid_blocks`, `msg_too_long`,
 *   `invalid_metadata_format`), 429 `{ok: false, error: "ratelimited"}` with Retry-After.
 * - Scripted Web API errors (`{error}` in a script step), such as `fatal_error`, which Slack documents
 *   as possibly raised after "some aspect of the operation succeeded": with `posted: true` the message
 *   is recorded as posted and then the error answered.
 * Blocks are checked against the Block Kit reference (block types and required fields, 50 blocks,
 * header 150, section text 3,000, 25 elements, button text 75, URL 3,000, unique ids).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody, type ScriptStep } from "../shared/scripted.peer.js";

export interface SlackPost {
  via: "webhook" | "api";
  channel: string;
  text?: string;
  blocks?: Block[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  at: number;
  ts: string;
}

type Block = Record<string, any>;

/** A scripted answer; for the Web API also an `error` (`{ok: false, error}`, 200 unless `status` says), answered after recording the post when `posted`. */
export type SlackScriptStep = ScriptStep & { error?: string; posted?: boolean };

export interface SlackPeer {
  url: string;
  /** The incoming webhook URL of the `#alerts` channel. */
  hookUrl: string;
  /** An incoming webhook whose channel was archived (410). */
  archivedHookUrl: string;
  /** `SLACK_API_URL` for the Web API. */
  apiUrl: string;
  /** The bot token the Web API accepts. */
  botToken: string;
  /** Channels by ID: the bot is a member of C0ALERTS (also `alerts` by name); not of C0PRIVATE; C0OLD is archived. */
  channels: Record<string, { name: string; member: boolean; archived: boolean }>;
  received: SlackPost[];
  /** Next answers, used up one by one: a status (with Retry-After), a delay, or a Web API error. */
  script: SlackScriptStep[];
  /** Every request as it arrived: when, and the status answered. */
  requests: { at: number; status: number; error?: string }[];
  close(): Promise<void>;
}

const TEAM = "T0HERALD1";
const HOOK = "/services/T0HERALD1/B0ALERTS1/q8Zr3kV9wXe2LmN5pT7yUa4c";
const ARCHIVED_HOOK = "/services/T0HERALD1/B0OLDHOOK/Hj2kL9mN3pQ5rS7tU1vW4xY6";
const BOT_TOKEN = "xoxb-1111111111-2222222222-AbCdEfGhIjKlMnOpQrStUvWx";

const TEXT_TYPES = new Set(["plain_text", "mrkdwn"]);

/** What the Block Kit reference refuses; an empty list when Slack would accept the blocks. */
export function blockProblems(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ["blocks must be an array"];
  const problems: string[] = [];
  if (blocks.length > 50) problems.push("more than 50 blocks");
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  const textObject = (t: any, where: string, max: number, plainOnly = false) => {
    if (!t || typeof t !== "object" || !TEXT_TYPES.has(t.type)) return problems.push(`${where}: not a text object`);
    if (plainOnly && t.type !== "plain_text") return problems.push(`${where}: must be plain_text`);
    if (typeof t.text !== "string" || t.text.length < 1) return problems.push(`${where}: text required`);
    if (t.text.length > max) problems.push(`${where}: longer than ${max}`);
    if (t.type === "plain_text" && "verbatim" in t) problems.push(`${where}: verbatim is for mrkdwn`);
    if (t.type === "mrkdwn" && "emoji" in t) problems.push(`${where}: emoji is for plain_text`);
  };
  blocks.forEach((b: Block, i) => {
    const where = `blocks[${i}]`;
    if (!b || typeof b !== "object") return problems.push(`${where}: not an object`);
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== "string" || b.block_id.length > 255 || blockIds.has(b.block_id)) problems.push(`${where}: bad or repeated block_id`);
      blockIds.add(b.block_id);
    }
    switch (b.type) {
      case "header":
        textObject(b.text, `${where}.text`, 150, true);
        break;
      case "section":
        if (b.text === undefined && b.fields === undefined) problems.push(`${where}: text or fields required`);
        if (b.text !== undefined) textObject(b.text, `${where}.text`, 3000);
        break;
      case "divider":
        break;
      case "actions": {
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 25) {
          problems.push(`${where}: 1 to 25 elements`);
          break;
        }
        b.elements.forEach((e: Block, j: number) => {
          const at = `${where}.elements[${j}]`;
          if (e?.type !== "button") return problems.push(`${at}: only buttons are accepted here`);
          textObject(e.text, `${at}.text`, 75, true);
          if (e.url !== undefined && (typeof e.url !== "string" || e.url.length > 3000 || !/^https?:\/\//.test(e.url))) problems.push(`${at}: bad url`);
          if (e.action_id !== undefined) {
            if (typeof e.action_id !== "string" || e.action_id.length > 255 || actionIds.has(e.action_id)) problems.push(`${at}: bad or repeated action_id`);
            actionIds.add(e.action_id);
          }
          if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") problems.push(`${at}: bad style`);
        });
        break;
      }
      default:
        problems.push(`${where}: unknown block type ${String(b.type)}`);
    }
  });
  return problems;
}

let tsCounter = 0;
function nextTs(): string {
  tsCounter++;
  return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, "0")}`;
}

export async function startSlackPeer(): Promise<SlackPeer> {
  const peer = {
    channels: {
      C0ALERTS01: { name: "alerts", member: true, archived: false },
      C0PRIVATE1: { name: "private", member: false, archived: false },
      C0OLDCHAN1: { name: "old", member: true, archived: true },
    } as SlackPeer["channels"],
    received: [] as SlackPost[],
    script: [] as SlackScriptStep[],
    requests: [] as SlackPeer["requests"],
  };

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const at = Date.now();
    const path = (req.url ?? "").split("?")[0]!;
    const api = path.startsWith("/api/");
    const step = await nextStep(peer);
    const answerText = (status: number, text: string, headers: Record<string, string> = {}) => {
      peer.requests.push({ at, status, error: text === "ok" ? undefined : text });
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
      res.end(text);
    };
    const answerJson = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      peer.requests.push({ at, status, error: typeof body.error === "string" ? body.error : undefined });
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };

    if (api && step?.error && !step.posted) return answerJson(step.status ?? 200, { ok: false, error: step.error });
    if (step?.status && step.status !== 200 && !step.error) {
      const retry: Record<string, string> = step.retryAfter ? { "retry-after": step.retryAfter } : {};
      if (api) {
        // The Web API answers most failures 200 {ok:false}; throttling is a real 429, an outage a 5xx.
        if (step.status === 429) return answerJson(429, { ok: false, error: "ratelimited" }, retry);
        if (step.status >= 500) return answerJson(step.status, { ok: false, error: "internal_error" }, retry);
        return answerJson(200, { ok: false, error: "invalid_arguments" });
      }
      const text = step.status === 429 ? "rate_limited" : step.status >= 500 ? "rollup_error" : step.status === 404 ? "no_service" : step.status === 403 ? "action_prohibited" : "invalid_payload";
      return answerText(step.status, text, retry);
    }
    if (req.method !== "POST") return api ? answerJson(405, { ok: false, error: "method_not_supported" }) : answerText(405, "invalid_method");

    let body: Record<string, any>;
    try {
      body = JSON.parse(raw);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      return api ? answerJson(200, { ok: false, error: "invalid_json" }) : answerText(400, "invalid_payload");
    }

    if (!api) {
      if (path === ARCHIVED_HOOK) return answerText(410, "channel_is_archived");
      if (path !== HOOK) return answerText(404, "no_service");
      const hasText = typeof body.text === "string" && body.text.trim() !== "";
      if (!hasText && !Array.isArray(body.blocks)) return answerText(400, "no_text");
      if (body.blocks !== undefined && blockProblems(body.blocks).length > 0) return answerText(400, "invalid_blocks");
      record("webhook", "C0ALERTS01", body, req.headers);
      return answerText(200, "ok");
    }

    if (path !== "/api/chat.postMessage") return answerJson(404, { ok: false, error: "unknown_method" });
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return answerJson(200, { ok: false, error: "invalid_form_data" });
    const auth = String(req.headers.authorization ?? "");
    if (!auth) return answerJson(200, { ok: false, error: "not_authed" });
    if (auth !== `Bearer ${BOT_TOKEN}`) return answerJson(200, { ok: false, error: "invalid_auth" });
    const id = Object.keys(peer.channels).find((c) => c === body.channel || `#${peer.channels[c]!.name}` === body.channel || peer.channels[c]!.name === body.channel);
    if (!id) return answerJson(200, { ok: false, error: "channel_not_found" });
    const channel = peer.channels[id]!;
    if (channel.archived) return answerJson(200, { ok: false, error: "is_archived" });
    if (!channel.member) return answerJson(200, { ok: false, error: "not_in_channel" });
    const hasText = typeof body.text === "string" && body.text.trim() !== "";
    if (!hasText && !Array.isArray(body.blocks)) return answerJson(200, { ok: false, error: "no_text" });
    if (typeof body.text === "string" && body.text.length > 40_000) return answerJson(200, { ok: false, error: "msg_too_long" });
    if (body.blocks !== undefined && blockProblems(body.blocks).length > 0) return answerJson(200, { ok: false, error: "invalid_blocks", response_metadata: { messages: blockProblems(body.blocks) } });
    if (body.metadata !== undefined && (typeof body.metadata?.event_type !== "string" || typeof body.metadata?.event_payload !== "object")) return answerJson(200, { ok: false, error: "invalid_metadata_format" });
    const post = record("api", id, body, req.headers);
    if (step?.error) return answerJson(step.status ?? 200, { ok: false, error: step.error });
    return answerJson(200, { ok: true, channel: id, ts: post.ts, message: { type: "message", text: body.text, blocks: body.blocks, ts: post.ts, bot_id: "B0HERALDBOT" } });
  });

  function record(via: SlackPost["via"], channel: string, body: Record<string, any>, headers: SlackPost["headers"]): SlackPost {
    const post: SlackPost = { via, channel, text: body.text, blocks: body.blocks, metadata: body.metadata, body, headers, at: Date.now(), ts: nextTs() };
    peer.received.push(post);
    return post;
  }

  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url,
    hookUrl: `${url}${HOOK}`,
    archivedHookUrl: `${url}${ARCHIVED_HOOK}`,
    apiUrl: `${url}/api`,
    botToken: BOT_TOKEN,
    team: TEAM,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}

/** The notification id a post carries: metadata (Web API) or the header (webhook). */
export function notificationIdOf(post: SlackPost): string | undefined {
  const fromMetadata = post.metadata?.event_payload?.notification_id;
  return typeof fromMetadata === "string" ? fromMetadata : (post.headers["x-herald-notification-id"] as string | undefined);
}
