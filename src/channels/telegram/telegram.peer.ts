/**
 * A Telegram Bot API server, as the Bot API documents it: `POST /bot<token>/<method>` with a JSON
 * body; answers `{ok: true, result}` or `{ok: false, error_code, description, parameters?}`.
 * - `getMe` → the bot; `sendMessage` → a Message with a per-chat `message_id`.
 * - An unknown token: 401 Unauthorized; an unknown method: 404 Not Found.
 * - `parse_mode: "HTML"` is checked the way Telegram does: only its tags (a needs href, span needs
 *   class="tg-spoiler"), balanced, `<` `>` `&` only as markup or one of its entities (&lt; &gt; &amp;
 *   &quot;, numeric); otherwise 400 "Bad Request: can't parse entities: …". Text over 4,096
 *   characters after entities are decoded (UTF-16 units): 400 "Bad Request: message is too long".
 * - `reply_markup.inline_keyboard`: rows of buttons, each `text` and one `url` (http, https, tg).
 * - A chat in `blocked`: 403 "Forbidden: bot was blocked by the user".
 * - A group in `migrated` (old id → new id), which became a supergroup: 400 "Bad Request: group chat
 *   was upgraded to a supergroup chat" with `parameters.migrate_to_chat_id` (a number, as Telegram sends it).
 * - Test knobs: scripted failures (429 with `parameters.retry_after`, 5xx, 4xx) and hangs.
 * Its HTML check is its own, written from the documentation apart from the channel's html.ts, so a
 * mistake in one is not repeated in the other.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody, type ScriptStep } from "../shared/scripted.peer.js";

export interface ReceivedTelegramMessage {
  chat_id: string;
  text: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard: { text: string; url: string }[][] };
  /** The text as the user sees it: tags gone, entities decoded. */
  visible: string;
  message_id: number;
}

export interface TelegramPeer {
  url: string;
  token: string;
  username: string;
  received: ReceivedTelegramMessage[];
  /** Answers refused, in order: status and description. */
  refused: { status: number; description: string }[];
  script: ScriptStep[];
  /** Chats whose user blocked the bot. */
  blocked: Set<string>;
  /** Group chats that became supergroups: old chat id → the supergroup's id. */
  migrated: Map<string, string>;
  /** Calls of getMe, to show the username is asked once. */
  getMeCalls: number;
  close(): Promise<void>;
}

const KNOWN = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"]);
const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"' };

/** Telegram's HTML mode as its documentation states it: the visible text, or why it cannot be parsed. */
export function telegramVisibleText(html: string): { ok: true; text: string } | { ok: false; error: string } {
  const open: string[] = [];
  let text = "";
  const re = /<\/?([a-zA-Z0-9-]+)((?:\s+[a-zA-Z-]+(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]|[^<>&]+/g;
  let m: RegExpExecArray | null;
  const byteOffset = (index: number) => Buffer.byteLength(html.slice(0, index));
  while ((m = re.exec(html)) !== null) {
    const piece = m[0];
    if (piece.startsWith("<") && m[1] !== undefined) {
      const name = m[1].toLowerCase();
      if (!KNOWN.has(name)) return { ok: false, error: `Unsupported start tag "${name}" at byte offset ${byteOffset(m.index)}` };
      if (piece.startsWith("</")) {
        if (open.pop() !== name) return { ok: false, error: `Unmatched end tag at byte offset ${byteOffset(m.index)}, expected "</${open.at(-1) ?? ""}>", found "</${name}>"` };
      } else {
        const attrs = m[2] ?? "";
        if (name === "a" && !/\bhref\s*=/.test(attrs)) return { ok: false, error: `Tag "a" must have attribute "href" at byte offset ${byteOffset(m.index)}` };
        if (name === "span" && !/\bclass\s*=\s*["']?tg-spoiler/.test(attrs)) return { ok: false, error: `Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(m.index)}` };
        open.push(name);
      }
    } else if (piece.startsWith("&") && m[3] !== undefined) {
      const named = ENTITIES[piece];
      if (named !== undefined) text += named;
      else if (m[3].startsWith("#")) {
        const code = m[3][1] === "x" ? Number.parseInt(m[3].slice(2), 16) : Number(m[3].slice(1));
        if (!(code > 0 && code <= 0x10ffff)) return { ok: false, error: `Invalid character entity at byte offset ${byteOffset(m.index)}` };
        text += String.fromCodePoint(code);
      } else return { ok: false, error: `Unsupported HTML entity "${piece}" at byte offset ${byteOffset(m.index)}` };
    } else if (piece === "<" || piece === ">" || piece === "&") {
      return { ok: false, error: `Unexpected "${piece}" at byte offset ${byteOffset(m.index)}: use &lt; &gt; &amp;` };
    } else text += piece;
  }
  if (open.length > 0) return { ok: false, error: `Can't find end tag corresponding to start tag "${open.at(-1)}"` };
  return { ok: true, text };
}

export async function startTelegramPeer(options: { token?: string; username?: string } = {}): Promise<TelegramPeer> {
  const token = options.token ?? "123456789:AAH-peer_token_for_tests_0123456789ab";
  const peer = {
    token,
    username: options.username ?? "herald_test_bot",
    received: [] as ReceivedTelegramMessage[],
    refused: [] as TelegramPeer["refused"],
    script: [] as ScriptStep[],
    blocked: new Set<string>(),
    migrated: new Map<string, string>(),
    getMeCalls: 0,
  };
  const nextId = new Map<string, number>();

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, description: string, parameters?: Record<string, unknown>) => {
      peer.refused.push({ status, description });
      answer(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    };
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" && req.method !== "GET") return fail(405, "Method Not Allowed");
    if (!m || m[1] !== peer.token) return fail(401, "Unauthorized");
    const method = m[2]!.toLowerCase();
    const step = await nextStep(peer);
    if (step?.status) {
      if (step.status === 429) {
        const after = Number(step.retryAfter ?? 1);
        return fail(429, `Too Many Requests: retry after ${after}`, { retry_after: after });
      }
      return fail(step.status, step.status >= 500 ? "Internal Server Error" : "Bad Request: scripted failure");
    }
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return fail(400, "Bad Request: invalid JSON");
    }
    if (method === "getme") {
      peer.getMeCalls++;
      return answer(200, { ok: true, result: { id: Number(token.split(":")[0]), is_bot: true, first_name: "Herald", username: peer.username } });
    }
    if (method !== "sendmessage") return fail(404, "Not Found");

    const chatId = body.chat_id === undefined ? "" : String(body.chat_id);
    if (!chatId) return fail(400, "Bad Request: chat_id is empty");
    if (typeof body.text !== "string" || body.text === "") return fail(400, "Bad Request: message text is empty");
    let visible = body.text;
    if (body.parse_mode !== undefined) {
      if (body.parse_mode !== "HTML") return fail(400, `Bad Request: unsupported parse_mode ${String(body.parse_mode)}`);
      const parsed = telegramVisibleText(body.text);
      if (!parsed.ok) return fail(400, `Bad Request: can't parse entities: ${parsed.error}`);
      visible = parsed.text;
    }
    if (visible.trim() === "") return fail(400, "Bad Request: message text is empty");
    if (visible.length > 4096) return fail(400, "Bad Request: message is too long");
    const markup = body.reply_markup as ReceivedTelegramMessage["reply_markup"] | undefined;
    if (markup !== undefined) {
      if (!Array.isArray(markup.inline_keyboard) || !markup.inline_keyboard.every((row) => Array.isArray(row))) return fail(400, "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays");
      for (const button of markup.inline_keyboard.flat()) {
        if (typeof button?.text !== "string" || button.text === "") return fail(400, "Bad Request: BUTTON_TEXT_INVALID");
        if (typeof button.url !== "string" || !/^(https?|tg):\/\/\S+$/i.test(button.url)) return fail(400, "Bad Request: BUTTON_URL_INVALID");
      }
    }
    if (peer.blocked.has(chatId)) return fail(403, "Forbidden: bot was blocked by the user");
    const supergroup = peer.migrated.get(chatId);
    if (supergroup !== undefined) return fail(400, "Bad Request: group chat was upgraded to a supergroup chat", { migrate_to_chat_id: Number(supergroup) });
    const messageId = (nextId.get(chatId) ?? 0) + 1;
    nextId.set(chatId, messageId);
    peer.received.push({ chat_id: chatId, text: body.text, parse_mode: body.parse_mode as string | undefined, reply_markup: markup, visible, message_id: messageId });
    return answer(200, { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId) || chatId, type: "private" }, text: visible } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The same object the handler updates, so counts and lists read live.
  return Object.assign(peer, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
