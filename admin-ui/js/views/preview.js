import { h } from "../dom.js";
import { channelName } from "../format.js";
import { currentLang, t } from "../i18n.js";
import { decodeEntities, limitedHtml } from "../markup.js";

/**
 * Rendered content per channel, shown roughly as the subscriber would see it. How a channel looks
 * comes from its descriptor (GET /v1/admin/channels, `preview`: a layout, which fields fill it and
 * which parts are HTML of a few tags; each field's `plainText`); a channel without one is shown as
 * JSON. No channel is named here.
 */
export function renderPreview(result, descriptors = []) {
  const { channels, details } = result;
  const byId = new Map(descriptors.map((d) => [d.id, d]));
  const blocks = Object.entries(channels).map(([id, content]) => {
    const hint = byId.get(id)?.preview;
    const layout = hint && LAYOUTS[hint.layout];
    const shown = layout ? layout(partsOf(content, byId.get(id))) : h("pre.json", JSON.stringify(content, null, 2));
    return block(id, shown, detailsLine(details?.[id], hint));
  });
  return blocks.length ? blocks : h("p.muted", t("common.none"));
}

/**
 * The layout's parts (title, body, image, actions, url, html) from the content, renamed where the
 * hint says, as the recipient reads them: a plain-text field as rendered; a part the hint marks as
 * HTML of a few tags formatted with those alone; any other field (HTML-escaped when rendered) with
 * its entities decoded. `html` (an email) stays HTML, for the sandboxed frame.
 */
function partsOf(content, descriptor) {
  const hint = descriptor.preview;
  const plain = new Set((descriptor.fields ?? []).filter((f) => f.plainText).map((f) => f.name));
  const part = (name) => {
    const field = hint.parts?.[name] ?? name;
    const value = content?.[field];
    if (name === "html" || value === undefined || value === null) return value;
    const tags = hint.html?.[name];
    if (tags && typeof value === "string") return limitedHtml(value, tags);
    return plain.has(field) ? value : decodeEntities(value);
  };
  return { title: part("title"), body: part("body"), image: part("image"), actions: part("actions"), url: part("url"), html: part("html") };
}

const LAYOUTS = {
  notification: (p) =>
    h(
      "div.preview-push",
      p.title ? h("div.t", p.title) : null,
      h("div.b", p.body ?? ""),
      p.image ? h("img", { src: p.image, alt: "" }) : null,
      Array.isArray(p.actions) && p.actions.length ? h("div.actions", p.actions.map((a) => h("span", { dataset: { action: a.action } }, a.title))) : null,
      p.url ? h("div.u", p.url) : null,
    ),
  inbox: (p) => h("div.preview-inapp", h("div.t", p.title ?? ""), h("div.b", p.body ?? "")),
  bubble: (p) => h("div.preview-sms", p.body ?? ""),
  message: (p) => h("div.preview-mm", p.body ?? ""),
  email: (p) => {
    // No allow-scripts: the email's HTML cannot run code; srcdoc inherits this page's CSP as well.
    const frame = h("iframe.email", { sandbox: "", title: "email", referrerPolicy: "no-referrer" });
    frame.srcdoc = p.html ?? "";
    return h("div", h("div", h("strong", p.title ?? "")), frame);
  },
};

/**
 * Facts about the rendered content (SMS: encoding and segments), in the descriptor's words where it
 * has them; listed as they are when they are not the facts those words name (a channel's `invalid`).
 */
function detailsLine(facts, hint) {
  if (!facts || Object.keys(facts).length === 0) return null;
  const worded = hint?.details?.[currentLang()] ?? hint?.details?.en;
  const words = worded && [...worded.matchAll(/\{(\w+)\}/g)].every(([, k]) => k in facts) ? worded : null;
  const text = words ? words.replace(/\{(\w+)\}/g, (_, k) => String(facts[k] ?? "")) : Object.entries(facts).map(([k, v]) => `${k}: ${v}`).join(", ");
  return h("div.muted.preview-details", { style: { fontSize: "13px", marginTop: "4px" } }, text);
}

function block(name, content, details) {
  return h("div.preview-block", { dataset: { channel: name } }, h("div.cap", channelName(name)), h("div", content, details));
}
