/**
 * Rendered `channels.slack` content → a Block Kit message: an optional header, the text as mrkdwn
 * sections, URL buttons, and the `text` fallback Slack shows in notifications.
 *
 * Escaping. Slack reads `&`, `<` and `>` as control characters in text objects and decodes only
 * `&amp;`, `&lt;` and `&gt;` ("don't HTML-encode the entire text": other entities show literally).
 * Templates render `{{x}}` HTML-escaped, so a value from event data arrives with `<`, `>` and `&`
 * already as those three entities (a `<!channel>` in data cannot ping, an `<https://evil|bank>`
 * cannot disguise a link), while the template's own text keeps its mrkdwn (`*bold*`,
 * `<https://shop.example|Track>`). What is left to do here: turn the entities Handlebars adds and
 * Slack does not decode (`&quot;`, `&#x27;`, `&#x60;`, `&#x3D;`) back into characters, and escape a
 * bare `&` the template itself wrote. `{{{x}}}` opts a value out of this, as it opts out of HTML escaping.
 *
 * Limits (Block Kit reference): 50 blocks a message, a section's text 3,000 characters, a header
 * 150, a button's text 75 and its URL 3,000, 25 elements in an actions block. The text is split
 * into sections at line breaks (then spaces) below 3,000 characters, never inside an entity or a
 * `<…>` link; a header or button text over its limit is cut with "…". Lengths are counted in UTF-16
 * code units, which is never fewer than Slack's count.
 */

/** A button as the template gives it (rendered as plain text: the `actions` field is not HTML-escaped). */
export interface SlackAction {
  action: string;
  title: string;
  url: string;
}

export const SECTION_MAX = 3000;
export const HEADER_MAX = 150;
export const BUTTON_TEXT_MAX = 75;
export const BUTTON_URL_MAX = 3000;
export const ACTIONS_MAX = 25;
export const BLOCKS_MAX = 50;

const SLACK_DECODED = new Set(["amp", "lt", "gt"]);
const HANDLEBARS_EXTRA: Record<string, string> = { "&quot;": '"', "&#x27;": "'", "&#x60;": "`", "&#x3D;": "=" };

/** Rendered (HTML-escaped) template text → Slack's escaping: only `&amp;`, `&lt;`, `&gt;` stay entities. */
export function slackText(rendered: string): string {
  return rendered
    .replace(/&quot;|&#x27;|&#x60;|&#x3D;/g, (entity) => HANDLEBARS_EXTRA[entity]!)
    .replace(/&(?!(amp|lt|gt);)/g, "&amp;");
}

/** Plain text (not escaped by the template) → Slack's escaping of its three control characters. */
export function escapePlain(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts escaped Slack text to `max` UTF-16 units, never inside an entity, marking the cut with "…". */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = safeEnd(text, max - 1);
  // Never leave half a surrogate pair.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return text.slice(0, end) + "…";
}

/** The largest end ≤ `at` that does not cut `&amp;`-style entities in half. */
function safeEnd(text: string, at: number): number {
  const amp = text.lastIndexOf("&", at - 1);
  if (amp >= 0 && amp >= at - 5) {
    const semi = text.indexOf(";", amp);
    if (semi >= at && SLACK_DECODED.has(text.slice(amp + 1, semi))) return amp;
  }
  return at;
}

/** Escaped text → pieces of at most `max` units, split at a line break, else a space, else anywhere safe. */
export function splitSections(text: string, max = SECTION_MAX): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let end = rest.lastIndexOf("\n", max);
    if (end < max / 2) end = rest.lastIndexOf(" ", max);
    if (end < max / 2) end = max;
    end = safeEnd(rest, end);
    // Not inside a <url|label> link: cut before it opens, unless it opens the piece.
    const open = rest.lastIndexOf("<", end - 1);
    if (open > 0 && rest.indexOf(">", open) >= end) end = open;
    if (end > 0 && /[\uD800-\uDBFF]/.test(rest[end - 1]!)) end--;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end).replace(/^[\n ]/, "");
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

/** Only web links become buttons: a `javascript:` or malformed URL from data is dropped, not sent. */
export function isWebUrl(url: string): boolean {
  if (url.length > BUTTON_URL_MAX) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/**
 * The Block Kit message for rendered content. `verbatim: true` keeps Slack from turning a bare
 * `@channel` or `#general` in data into a mention or a channel link; the template's explicit
 * `<…>` syntax still works.
 */
export function buildSlackMessage(content: { text: string; title?: string; actions?: SlackAction[] }): SlackMessage {
  const blocks: Record<string, unknown>[] = [];
  const title = content.title?.trim() ? cutText(slackText(content.title.replace(/\s*\n\s*/g, " ").trim()), HEADER_MAX) : undefined;
  if (title) blocks.push({ type: "header", text: { type: "plain_text", text: title, emoji: true } });
  const text = slackText(content.text);
  const buttons = (content.actions ?? [])
    .filter((a) => isWebUrl(a.url) && a.title.trim() !== "")
    .slice(0, ACTIONS_MAX)
    .map((a, i) => ({ type: "button", action_id: `${i}:${a.action}`.slice(0, 255), text: { type: "plain_text", text: cutText(escapePlain(a.title), BUTTON_TEXT_MAX), emoji: true }, url: a.url }));
  const room = BLOCKS_MAX - blocks.length - (buttons.length ? 1 : 0);
  const sections = text.trim() === "" ? [] : splitSections(text);
  if (sections.length > room) sections.splice(room - 1, sections.length - room + 1, cutText(sections.slice(room - 1).join("\n"), SECTION_MAX));
  for (const piece of sections) blocks.push({ type: "section", text: { type: "mrkdwn", text: piece, verbatim: true } });
  if (buttons.length) blocks.push({ type: "actions", elements: buttons });
  // The fallback shown in notifications and by clients without Block Kit: the header, then the text.
  const fallback = [title, text].filter(Boolean).join("\n");
  return { text: fallback === "" ? " " : fallback, blocks };
}
