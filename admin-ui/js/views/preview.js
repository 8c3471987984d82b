import { h } from "../dom.js";
import { t } from "../i18n.js";

/** Rendered content per channel, shown roughly as the subscriber would see it. */
export function renderPreview(result) {
  const blocks = [];
  const { channels, details } = result;
  if (channels.push) {
    const p = channels.push;
    blocks.push(
      block("push", h("div.preview-push", p.title ? h("div.t", p.title) : null, h("div.b", p.body), p.image ? h("img", { src: p.image, alt: "" }) : null, p.actions?.length ? h("div.actions", p.actions.map((a) => h("span", { dataset: { action: a.action } }, a.title))) : null, p.url ? h("div.u", p.url) : null)),
    );
  }
  if (channels.realtime) blocks.push(block("realtime", h("div.preview-inapp", h("div.t", channels.realtime.title), h("div.b", channels.realtime.body))));
  if (channels.email) {
    // No allow-scripts: the email's HTML cannot run code; srcdoc inherits this page's CSP as well.
    const frame = h("iframe.email", { sandbox: "", title: "email", referrerPolicy: "no-referrer" });
    frame.srcdoc = channels.email.html ?? channels.email.mjml ?? "";
    blocks.push(block("email", h("div", h("div", h("strong", channels.email.subject ?? "")), frame)));
  }
  if (channels.sms) {
    const d = details?.sms;
    blocks.push(block("sms", h("div", h("div.preview-sms", channels.sms.text), d ? h("div.muted#sms-segments", { style: { fontSize: "13px", marginTop: "4px" } }, t("tpl.segments", d)) : null)));
  }
  if (channels.mattermost) blocks.push(block("mattermost", h("div.preview-mm", channels.mattermost.text)));
  for (const [name, content] of Object.entries(channels)) {
    if (!["push", "realtime", "email", "sms", "mattermost"].includes(name)) blocks.push(block(name, h("pre.json", JSON.stringify(content, null, 2))));
  }
  return blocks.length ? blocks : h("p.muted", t("common.none"));
}

function block(name, content) {
  return h("div.preview-block", { dataset: { channel: name } }, h("div.cap", name), content);
}
