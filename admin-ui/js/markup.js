// What a recipient's app shows of rendered content that is not plain text: HTML limited to a few
// tags, and text with HTML entities. Nothing from the server becomes markup by itself: the HTML is
// parsed into an inert document (DOMParser: no script runs, nothing loads) and only the allowed
// elements are made again, one by one, in this page; every other element gives up its text.

// Elements whose content is not text a reader would see (code, styles, embedded documents): dropped whole.
const DROPPED = new Set(["script", "style", "template", "noscript", "iframe", "object", "embed", "textarea", "title", "xmp", "noembed", "noframes", "svg", "math", "head"]);

/**
 * `html` with only `tags` kept ("b", "a", or "span.spoiler": a span only with that class), as a
 * DocumentFragment. `a` keeps its href when it is http(s) and opens in a new tab.
 */
export function limitedHtml(html, tags) {
  const allowed = new Map();
  for (const tag of tags) {
    const [name, required] = String(tag).toLowerCase().split(".");
    allowed.set(name, required ?? null);
  }
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  const out = document.createDocumentFragment();
  copy(parsed.body, out, allowed);
  return out;
}

function copy(from, to, allowed) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(node.data);
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || DROPPED.has(node.localName)) continue;
    const name = node.localName;
    const required = allowed.get(name);
    if (required === undefined || (required !== null && !node.classList.contains(required))) {
      copy(node, to, allowed);
      continue;
    }
    const el = document.createElement(name);
    if (required) el.className = required;
    if (name === "a") {
      const href = webUrl(node.getAttribute("href"));
      if (href) Object.assign(el, { href, target: "_blank", rel: "noopener noreferrer" });
    }
    copy(node, el, allowed);
    to.append(el);
  }
}

function webUrl(href) {
  try {
    const url = new URL(href ?? "");
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

const NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/**
 * Text with its HTML entities decoded, as Slack's mrkdwn and Markdown show HTML-escaped template
 * output ("Tom &amp; Jerry" reads "Tom & Jerry"); markup such as `<https://…|label>` stays as typed.
 * Strings inside arrays and objects (buttons) too.
 */
export function decodeEntities(value) {
  if (typeof value === "string") {
    return value.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));/g, (entity, dec, hex, name) => {
      if (name !== undefined) return NAMED[name] ?? entity;
      const code = dec !== undefined ? Number(dec) : Number.parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : entity;
    });
  }
  if (Array.isArray(value)) return value.map(decodeEntities);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeEntities(v)]));
  return value;
}
