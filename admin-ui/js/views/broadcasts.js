import { api, ApiError } from "../api.js";
import { fmtNumber, fmtTime, h, mount, parseJson, problemBox } from "../dom.js";
import { channelName, rememberChannels } from "../format.js";
import { currentLang, t } from "../i18n.js";
import { confirmBroadcast } from "./broadcast-confirm.js";

/** Compose a broadcast (template or ad hoc), follow its progress, and see the recent ones. */
export async function broadcastsView() {
  const lang = currentLang();
  const [{ items: templates }, stats] = await Promise.all([api("GET", "/v1/admin/templates"), api("GET", "/v1/stats")]);
  rememberChannels(stats.configured);
  const timers = new Set();

  const radio = (name, value, label, checked, onchange) => h("label.inline", h("input", { type: "radio", name, value, checked, onchange }), label);
  const input = (id, type = "text", extra = {}) => h(`input#${id}`, { type, ...extra });

  // Content: a stored template, or fields written here.
  const template = h("select.full#bc-template", templates.map((tpl) => h("option", { value: tpl.key }, tpl.key)));
  const data = h("textarea#bc-data", { spellcheck: false, placeholder: "{}" });
  const title = input("bc-title");
  const body = h("textarea#bc-body");
  const url = input("bc-url", "url");
  const image = input("bc-image", "url");
  const actionRows = [0, 1].map((i) => h("div.actions-row", input(`bc-action-title-${i}`, "text", { placeholder: t("bc.actionTitle"), "aria-label": `${t("bc.actionTitle")} ${i + 1}` }), input(`bc-action-url-${i}`, "url", { placeholder: t("bc.actionUrl"), "aria-label": `${t("bc.actionUrl")} ${i + 1}` })));
  const templatePart = h("div#bc-template-part", h("label", { htmlFor: "bc-template" }, t("common.template")), template, h("label", { htmlFor: "bc-data" }, t("bc.data")), data);
  const adHocPart = h("div#bc-adhoc-part", { hidden: true }, h("label", { htmlFor: "bc-title" }, t("bc.titleField")), title, h("label", { htmlFor: "bc-body" }, t("bc.body")), body, h("label", { htmlFor: "bc-url" }, t("bc.url")), url, h("label", { htmlFor: "bc-image" }, t("bc.image")), image, h("label", t("bc.actions")), actionRows);
  let source = templates.length ? "template" : "adhoc";
  const setSource = (s) => {
    source = s;
    templatePart.hidden = s !== "template";
    adHocPart.hidden = s !== "adhoc";
  };

  // Audience.
  const topic = input("bc-topic", "text", { placeholder: "newsletter", "aria-label": t("bc.topic") });
  const field = input("bc-field", "text", { placeholder: "data.city", "aria-label": t("bc.fieldName") });
  const fieldValue = input("bc-field-value", "text", { "aria-label": t("bc.fieldValue") });
  let audience = "topic";
  const audienceParts = { topic: h("div", topic), all: h("div"), field: h("div.row", h("div.grow", field), h("div.grow", fieldValue)) };
  const setAudience = (a) => {
    audience = a;
    for (const [k, el] of Object.entries(audienceParts)) el.hidden = k !== a;
  };

  const channelBoxes = stats.configured.map((c) => h("label.inline", h("input", { type: "checkbox", value: c.id, checked: c.id === "realtime", disabled: !c.configured, dataset: { channel: c.id } }), channelName(c.id)));
  const category = input("bc-category", "text", { placeholder: "broadcasts" });
  const at = input("bc-at", "datetime-local", { hidden: true, "aria-label": t("bc.at") });
  let when = "now";

  const errors = h("div#bc-errors");
  const progressBox = h("div#bc-progress");
  const recent = h("div#bc-recent");
  const send = h("button.primary#bc-send", { type: "submit" }, t("bc.send"));

  function request() {
    const out = {};
    if (source === "template") {
      out.template = template.value;
      const parsed = parseJson(data.value);
      if (parsed.error) throw new Error(`${t("bc.data")}: ${parsed.error}`);
      if (Object.keys(parsed.value).length) out.data = parsed.value;
    } else {
      const actions = actionRows
        .map((row, i) => ({ action: `action-${i + 1}`, title: row.children[0].value.trim(), url: row.children[1].value.trim() }))
        .filter((a) => a.title)
        .map((a) => (a.url ? a : { action: a.action, title: a.title }));
      out.content = { title: title.value, body: body.value, ...(url.value ? { url: url.value } : {}), ...(image.value ? { image: image.value } : {}), ...(actions.length ? { actions } : {}) };
    }
    if (audience === "topic") out.audience = { topic: topic.value.trim() };
    else if (audience === "all") out.audience = { all: true };
    else {
      const v = fieldValue.value.trim();
      out.audience = { field: field.value.trim(), value: /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v === "true" ? true : v === "false" ? false : v };
    }
    out.channels = channelBoxes.map((l) => l.querySelector("input")).filter((c) => c.checked).map((c) => c.value);
    if (category.value.trim()) out.category = category.value.trim();
    if (when === "at" && at.value) out.sendAt = new Date(at.value).toISOString();
    return out;
  }

  async function submit(e) {
    e.preventDefault();
    mount(errors);
    let payload;
    try {
      payload = request();
    } catch (error) {
      return mount(errors, h("div.errors", error.message));
    }
    send.disabled = true;
    try {
      if (!(await confirmBroadcast(payload, audienceText))) return;
      const { id } = await api("POST", "/v1/broadcasts", payload);
      follow(id);
      loadRecent();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      mount(errors, problemBox(error));
    } finally {
      send.disabled = false;
    }
  }

  /** Polls a broadcast's progress until it is done, drawing the bar and then the report. */
  function follow(id) {
    // Only one broadcast is followed: the previous one's polling stops here.
    timers.forEach(clearTimeout);
    timers.clear();
    const bar = h("div.progress#bc-bar", { role: "progressbar", "aria-valuemin": 0, "aria-label": `${t("bc.progress")} · ${id}` });
    const text = h("div#bc-progress-text", { style: { marginTop: "6px" } });
    const report = h("div#bc-report", { style: { marginTop: "8px", fontWeight: 600 } });
    mount(progressBox, h("h2", `${t("bc.progress")} · ${id}`), bar, text, report);
    progressBox.dataset.id = id;
    const tick = async () => {
      const p = await api("GET", `/v1/broadcasts/${encodeURIComponent(id)}`);
      if (progressBox.dataset.id !== id) return; // a newer follow() took the box while this request ran
      const total = Math.max(1, p.total);
      const pct = (n) => `${(100 * n) / total}%`;
      mount(bar, h("div.sent", { style: { width: pct(p.sent) } }), h("div.failed", { style: { width: pct(p.failed) } }), h("div.muted-part", { style: { width: pct(p.cancelled) } }));
      bar.setAttribute("aria-valuemax", String(p.total));
      bar.setAttribute("aria-valuenow", String(p.sent + p.failed + p.cancelled));
      progressBox.dataset.status = p.status;
      // The list's row is drawn from this same answer: fetched only at send and at done, it showed
      // "planning · 0 / 0" while the bar moved (and a late list answer could undo a newer one).
      shown = p;
      recent.querySelector(`tr[data-id="${CSS.escape(id)}"]`)?.replaceChildren(...rowCells({ ...p, summary: rowSummary.get(id) }));
      const n = (x) => fmtNumber(x, lang);
      text.textContent = `${t(`bc.status.${p.status}`)} · ${t("bc.sent")} ${n(p.sent)} · ${t("bc.failed")} ${n(p.failed)} · ${t("bc.muted")} ${n(p.cancelled)} · ${t("bc.remaining")} ${n(p.pending)} / ${n(p.total)}${p.sendAt && p.status === "scheduled" ? ` · ${t("bc.scheduledFor", { t: fmtTime(p.sendAt, lang) })}` : ""}`;
      if (p.status === "done") {
        report.textContent = t("bc.report", { sent: n(p.sent), failed: n(p.failed), cancelled: n(p.cancelled), total: n(p.total) });
        loadRecent();
        return;
      }
      const timer = setTimeout(() => (timers.delete(timer), tick().catch(() => {})), p.status === "scheduled" ? 5000 : 400);
      timers.add(timer);
    };
    tick();
  }

  const rowSummary = new Map();
  /** A list row's cells; the status and counts are the progress bar's own (sent / failed / muted / Σ). */
  const rowCells = (b) => [
    h("td", fmtTime(b.createdAt, lang)),
    h("td", b.summary.template ?? `“${b.summary.title}”`),
    h("td", audienceText(b.summary.audience)),
    h("td.hide-phone", b.summary.channels.map(channelName).join(", ")),
    h("td", h(`span.badge${b.status === "done" ? ".ok" : ""}`, t(`bc.status.${b.status}`))),
    h("td.bc-counts", `${b.sent} / ${b.failed} / ${b.cancelled} / ${b.total}`),
  ];
  let listed = 0;
  let shown = null; // the followed broadcast's last progress: its row shows it even when the list answer is older
  async function loadRecent() {
    const asked = ++listed;
    const { items } = await api("GET", "/v1/broadcasts?limit=20");
    if (asked !== listed) return; // a newer list was asked for meanwhile: this answer is older
    if (items.length === 0) return mount(recent, h("p.muted", t("bc.empty")));
    mount(
      recent,
      h(
        "div.table-wrap", { tabIndex: 0 },
        h(
          "table#bc-table",
          h("thead", h("tr", h("th", t("common.time")), h("th", t("bc.source")), h("th", t("bc.audience")), h("th.hide-phone", t("bc.channels")), h("th", t("common.status")), h("th", `${t("bc.sent")} / ${t("bc.failed")} / ${t("bc.muted")} / Σ`))),
          h(
            "tbody",
            items.map((b) =>
              (rowSummary.set(b.id, b.summary), h("tr.clickable", { dataset: { id: b.id }, onclick: () => follow(b.id) }, rowCells(shown?.id === b.id ? { ...shown, summary: b.summary } : b))),
            ),
          ),
        ),
      ),
    );
  }
  const audienceText = (a) => (a.topic ? `#${a.topic}` : a.all ? t("bc.everyone") : `${a.field} = ${a.value}`);

  setSource(source);
  setAudience("topic");
  await loadRecent();
  const form = h(
    "form.panel#bc-form",
    { onsubmit: submit },
    h("h2", t("bc.compose")),
    h("label", t("bc.source")),
    h("div", radio("source", "template", t("bc.fromTemplate"), source === "template", () => setSource("template")), radio("source", "adhoc", t("bc.adHoc"), source === "adhoc", () => setSource("adhoc"))),
    templatePart,
    adHocPart,
    h("label", t("bc.audience")),
    h("div", radio("audience", "topic", t("bc.topic"), true, () => setAudience("topic")), radio("audience", "all", t("bc.everyone"), false, () => setAudience("all")), radio("audience", "field", t("bc.field"), false, () => setAudience("field"))),
    Object.values(audienceParts),
    h("label", t("bc.channels")),
    h("div#bc-channels", channelBoxes),
    h("label", { htmlFor: "bc-category" }, t("bc.category")),
    category,
    h("label", t("bc.when")),
    h("div.row", radio("when", "now", t("bc.now"), true, () => ((when = "now"), (at.hidden = true))), radio("when", "at", t("bc.at"), false, () => ((when = "at"), (at.hidden = false))), at),
    errors,
    h("div.row", { style: { marginTop: "14px" } }, send),
  );
  const el = h("section#broadcasts", h("h1", t("bc.title")), h("div.split", form, h("div", h("div.panel", progressBox), h("div.panel", h("h2", t("bc.recent")), recent))));
  return { el, cleanup: () => timers.forEach(clearTimeout) };
}
