/**
 * Telegram's HTML subset (Bot API "Formatting options", HTML style): the tags it knows, the entities
 * it decodes, the length it counts, and how a long message is cut into parts that each stay valid.
 * Hand-written: a general HTML parser would accept (and repair) what Telegram refuses with
 * "can't parse entities", and the point here is to refuse it before sending.
 */

/** Tags Telegram's HTML mode accepts; attributes are checked per tag in `checkAttributes`. */
const TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"]);
/** The only named entities Telegram decodes; numeric ones (`&#39;`, `&#x27;`) all work. */
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

export type HtmlToken =
  | { kind: "text"; raw: string; units: { raw: string; visible: string }[] }
  | { kind: "open"; name: string; raw: string }
  | { kind: "close"; name: string; raw: string };

export type ParsedHtml = { ok: true; tokens: HtmlToken[]; length: number } | { ok: false; message: string };

/** Escapes text for Telegram's HTML mode (its four named entities). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Reads a `&…;` entity at `i`: its source and decoded text, or undefined when it is not one Telegram decodes. */
function entityAt(html: string, i: number): { raw: string; visible: string } | undefined {
  const m = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,6}));/.exec(html.slice(i, i + 12));
  if (!m) return undefined;
  if (m[3] !== undefined) {
    const named = NAMED[m[3]];
    return named === undefined ? undefined : { raw: m[0], visible: named };
  }
  const code = m[1] !== undefined ? Number(m[1]) : Number.parseInt(m[2]!, 16);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { raw: m[0], visible: String.fromCodePoint(code) };
}

function checkAttributes(name: string, attributes: string): string | undefined {
  const attrs = [...attributes.matchAll(/([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g)].map((m) => ({ name: m[1]!.toLowerCase(), value: m[2]?.replace(/^["']|["']$/g, "") }));
  const rest = attributes.replace(/([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g, "").trim();
  if (rest !== "") return `malformed attributes in tag "${name}"`;
  if (name === "a" && !attrs.some((a) => a.name === "href" && a.value)) return `tag "a" needs an href`;
  if (name === "span" && !attrs.some((a) => a.name === "class" && a.value === "tg-spoiler")) return `tag "span" must have class="tg-spoiler"`;
  if (name === "tg-emoji" && !attrs.some((a) => a.name === "emoji-id" && a.value)) return `tag "tg-emoji" needs an emoji-id`;
  return undefined;
}

/**
 * Parses Telegram HTML: known tags only, balanced, `<` and `&` only as tag or entity starts. `length`
 * is what Telegram counts against its 4,096 limit: the text after entities are decoded, in UTF-16
 * units (Telegram measures entity offsets in UTF-16; an emoji counts 2).
 */
export function parseTelegramHtml(html: string): ParsedHtml {
  const tokens: HtmlToken[] = [];
  const open: string[] = [];
  let length = 0;
  let text: { raw: string; visible: string }[] = [];
  const flush = () => {
    if (text.length > 0) tokens.push({ kind: "text", raw: text.map((u) => u.raw).join(""), units: text });
    text = [];
  };
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    if (c === "<") {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>/.exec(html.slice(i));
      if (!m) return { ok: false, message: `unescaped "<" at offset ${i} (write &lt;)` };
      const [raw, slash, rawName, attributes] = m;
      const name = rawName!.toLowerCase();
      if (!TAGS.has(name)) return { ok: false, message: `unsupported tag "${name}" at offset ${i}` };
      flush();
      if (slash) {
        if (attributes!.trim() !== "") return { ok: false, message: `end tag "${name}" with attributes at offset ${i}` };
        if (open.at(-1) !== name) return { ok: false, message: `unexpected end tag "${name}" at offset ${i}` };
        open.pop();
        tokens.push({ kind: "close", name, raw: raw! });
      } else {
        const problem = checkAttributes(name, attributes!.replace(/\/\s*$/, ""));
        if (problem) return { ok: false, message: `${problem} at offset ${i}` };
        open.push(name);
        tokens.push({ kind: "open", name, raw: raw! });
      }
      i += raw!.length;
      continue;
    }
    if (c === ">") return { ok: false, message: `unescaped ">" at offset ${i} (write &gt;)` };
    if (c === "&") {
      const entity = entityAt(html, i);
      if (!entity) return { ok: false, message: `unescaped "&" at offset ${i} (write &amp;)` };
      text.push(entity);
      length += entity.visible.length;
      i += entity.raw.length;
      continue;
    }
    const cp = html.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    text.push({ raw: ch, visible: ch });
    length += ch.length;
    i += ch.length;
  }
  flush();
  if (open.length > 0) return { ok: false, message: `tag "${open.at(-1)}" is not closed` };
  return { ok: true, tokens, length };
}

/**
 * Cuts parsed HTML into parts of at most `max` counted characters, each valid on its own: tags open
 * at a cut are closed there and opened again in the next part. A cut falls after the last line break
 * (else space) of the second half of a part when there is one, else exactly at the limit; never
 * inside an entity or a surrogate pair.
 */
export function splitTelegramHtml(tokens: HtmlToken[], max: number): string[] {
  const parts: string[] = [];
  const stack: Extract<HtmlToken, { kind: "open" }>[] = [];
  let out = "";
  let count = 0;
  // Places to cut within the current run of text (reset by any tag): where `out` ended after a line break, after a space.
  let newline: { at: number; count: number } | undefined;
  let space: { at: number; count: number } | undefined;
  const flush = () => {
    const cut = [newline, space].find((c) => c !== undefined && c.count >= max / 2);
    let carried = "";
    let carriedCount = 0;
    if (cut) {
      carried = out.slice(cut.at);
      carriedCount = count - cut.count;
      out = out.slice(0, cut.at);
    }
    parts.push(out + [...stack].reverse().map((t) => `</${t.name}>`).join(""));
    out = stack.map((t) => t.raw).join("") + carried;
    count = carriedCount;
    newline = space = undefined;
  };
  for (const token of tokens) {
    if (token.kind === "text") {
      for (const unit of token.units) {
        if (count + unit.visible.length > max) flush();
        out += unit.raw;
        count += unit.visible.length;
        if (unit.visible === "\n") newline = { at: out.length, count };
        else if (unit.visible === " ") space = { at: out.length, count };
      }
      continue;
    }
    out += token.raw;
    if (token.kind === "open") stack.push(token);
    else stack.pop();
    newline = space = undefined;
  }
  parts.push(out);
  // A part of tags alone says nothing (Telegram refuses a message without text): dropped.
  return parts.filter((p) => {
    const parsed = parseTelegramHtml(p);
    return parsed.ok && parsed.length > 0 && p.trim() !== "";
  });
}
