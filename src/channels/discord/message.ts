/**
 * Rendered `channels.discord` content → an Execute Webhook body.
 *
 * - `content`: the text, at most 2,000 characters (cut with "…"; counted in UTF-16 units, never
 *   fewer than Discord's count).
 * - `allowed_mentions: {parse: []}`: nothing in the text pings anyone. Template data can carry
 *   `@everyone`, `<@id>` or `<@&role>`; Discord shows them, but notifies no one.
 * - Actions: link buttons (an action row of style-5 buttons, label ≤ 80, URL ≤ 512). Since
 *   Discord's `with_components` query parameter, webhooks not owned by an application may send
 *   non-interactive components, and a link button is one; interactive buttons (custom_id) stay
 *   refused, and Herald sends none. `DISCORD_ACTIONS=links` (or a URL too long for a button) puts
 *   the action as a markdown link `[title](url)` in an embed's description instead (4,096
 *   characters), for webhooks or proxies that do not take components.
 * - Only http(s) URLs become buttons or links: a `javascript:` URL from data is dropped.
 */

export interface DiscordAction {
  action: string;
  title: string;
  url: string;
}

export const CONTENT_MAX = 2000;
export const BUTTON_LABEL_MAX = 80;
export const BUTTON_URL_MAX = 512;
export const BUTTONS_PER_ROW = 5;
export const EMBED_DESCRIPTION_MAX = 4096;

/** Cuts to `max` UTF-16 units with "…", never leaving half a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? "")) end--;
  return text.slice(0, end) + "…";
}

function webUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/** `[title](url)` with the characters that would end the label or the link escaped. */
function markdownLink(a: DiscordAction): string {
  const label = a.title.replace(/[\\[\]]/g, (c) => `\\${c}`).replace(/\s*\n\s*/g, " ");
  // encodeURIComponent leaves ( and ) alone; they would end the link early.
  return `[${label}](${a.url.replace(/[()\s]/g, (c) => (c === "(" ? "%28" : c === ")" ? "%29" : encodeURIComponent(c)))})`;
}

export interface DiscordPayload {
  content?: string;
  allowed_mentions: { parse: [] };
  username?: string;
  avatar_url?: string;
  components?: { type: 1; components: { type: 2; style: 5; label: string; url: string }[] }[];
  embeds?: { description: string }[];
}

export function buildDiscordPayload(
  content: { text: string; actions?: DiscordAction[] },
  options: { actions: "buttons" | "links"; username?: string; avatarUrl?: string },
): DiscordPayload {
  const actions = (content.actions ?? []).filter((a) => webUrl(a.url) && a.title.trim() !== "");
  const asButtons = options.actions === "buttons" ? actions.filter((a) => a.url.length <= BUTTON_URL_MAX).slice(0, BUTTONS_PER_ROW) : [];
  const asLinks = actions.filter((a) => !asButtons.includes(a));
  const text = cut(content.text, CONTENT_MAX);
  const payload: DiscordPayload = { allowed_mentions: { parse: [] } };
  if (text.trim() !== "") payload.content = text;
  if (options.username) payload.username = options.username;
  if (options.avatarUrl) payload.avatar_url = options.avatarUrl;
  if (asButtons.length) {
    payload.components = [{ type: 1, components: asButtons.map((a) => ({ type: 2, style: 5, label: cut(a.title.trim(), BUTTON_LABEL_MAX), url: a.url })) }];
  }
  if (asLinks.length) {
    const lines: string[] = [];
    let length = 0;
    for (const link of asLinks.map(markdownLink)) {
      if (length + link.length + 1 > EMBED_DESCRIPTION_MAX) break;
      lines.push(link);
      length += link.length + 1;
    }
    if (lines.length) payload.embeds = [{ description: lines.join("\n") }];
  }
  return payload;
}
