import { api, ApiError } from "../api.js";
import { debounce, fmtTime, h, mount, parseJson, problemBox, toast } from "../dom.js";
import { channelName } from "../format.js";
import { currentLang, t } from "../i18n.js";
import { renderPreview } from "./preview.js";
import { initialSample } from "./template-sample.js";

/**
 * The registered channels and their content fields ({name, kind, required, label, maxLength?,
 * initial?, placeholder?}), from the channels' declarations: the form has no code per channel.
 * Structured fields (kinds `actions`, `json`) are edited as JSON text.
 */
async function channelDescriptors() {
  const { items } = await api("GET", "/v1/admin/channels");
  return items;
}
const isJsonKind = (kind) => kind === "json" || kind === "actions";

/** All templates, and a way to start a new one. */
export async function templatesView() {
  const lang = currentLang();
  const { items } = await api("GET", "/v1/admin/templates");
  const key = h("input#new-template-key", { type: "text", placeholder: t("tpl.newKey"), "aria-label": t("tpl.newKey"), pattern: "[A-Za-z0-9][A-Za-z0-9._:@+\\-]*", required: true });
  const el = h(
    "section#templates",
    h("h1", t("tpl.title")),
    h(
      "div.panel",
      items.length === 0
        ? h("p.muted", t("tpl.empty"))
        : h(
            "div.table-wrap", { tabIndex: 0 },
            h(
              "table#template-table",
              h("thead", h("tr", h("th", "key"), h("th", t("common.channel")), h("th.hide-phone", t("tpl.locale")), h("th", "v"), h("th.hide-phone", t("common.time")))),
              h(
                "tbody",
                items.map((tpl) =>
                  h(
                    "tr.clickable",
                    { dataset: { key: tpl.key }, onclick: () => (location.hash = `#/templates/${encodeURIComponent(tpl.key)}`) },
                    h("td", h("a", { href: `#/templates/${encodeURIComponent(tpl.key)}` }, tpl.key), tpl.description ? h("div.muted", tpl.description) : null),
                    h("td", Object.keys(tpl.channels).map(channelName).join(", ")),
                    h("td.hide-phone", Object.keys(tpl.locales ?? {}).join(", ")),
                    h("td", String(tpl.version)),
                    h("td.hide-phone", fmtTime(tpl.updatedAt, lang)),
                  ),
                ),
              ),
            ),
          ),
      h(
        "form.row",
        { style: { marginTop: "12px" }, onsubmit: (e) => (e.preventDefault(), (location.hash = `#/templates/${encodeURIComponent(key.value)}`)) },
        h("div.grow", key),
        h("button.primary", { type: "submit" }, t("tpl.create")),
      ),
    ),
  );
  return { el };
}

/** Edits one template, channel by channel and locale by locale, with a live preview and versions. */
export async function templateEditor(key) {
  const lang = currentLang();
  let saved;
  try {
    saved = await api("GET", `/v1/templates/${encodeURIComponent(key)}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const body = saved ? { channels: saved.channels, ...(saved.locales ? { locales: saved.locales } : {}), ...(saved.description ? { description: saved.description } : {}), ...(saved.sample ? { sample: saved.sample } : {}) } : { channels: {} };
  const sample = initialSample(saved, body);
  body.sample = sample;
  // What the server has, to tell unsaved edits (leaving asks while they differ).
  let clean = JSON.stringify(body);
  let locale = ""; // "" is the default channels
  const descriptors = await channelDescriptors();
  const fieldsOf = (id) => descriptors.find((d) => d.id === id)?.fields ?? [];
  let channel = Object.keys(body.channels)[0] ?? descriptors[0]?.id;

  const localeTabs = h("div.tabs#locale-tabs");
  const channelTabs = h("div.tabs#channel-tabs");
  const fields = h("div#fields");
  const errorsBox = h("div#template-errors");
  const previewBox = h("div#preview", { "aria-live": "polite" });
  const versionsBox = h("div#versions");
  const sampleData = h("textarea#sample-data", { spellcheck: false }, JSON.stringify(sample.data, null, 2));
  const sampleSubscriber = h("textarea#sample-subscriber", { spellcheck: false }, JSON.stringify(sample.subscriber, null, 2));
  const description = h("input#template-description", { type: "text", value: body.description ?? "", oninput: () => (description.value ? (body.description = description.value) : delete body.description) });
  const saveButton = h("button.primary#save", { onclick: save }, t("common.save"));

  const channelsOf = () => (locale ? (body.locales[locale] ??= { channels: {} }).channels : body.channels);
  const pathPrefix = () => (locale ? `locales.${locale}.channels.${channel}` : `channels.${channel}`);

  function drawTabs() {
    const locales = ["", ...Object.keys(body.locales ?? {})];
    const addLocale = h("input#add-locale", { type: "text", placeholder: "de", size: 5, "aria-label": t("tpl.addLocale"), style: { width: "70px", margin: "4px" } });
    mount(
      localeTabs,
      locales.map((l) => h(`button${l === locale ? ".active" : ""}`, { dataset: { locale: l || "default" }, onclick: () => ((locale = l), pickChannel(), drawAll(), schedulePreview()) }, l || t("tpl.default"))),
      h(
        "form.row",
        {
          onsubmit: (e) => {
            e.preventDefault();
            const l = addLocale.value.trim();
            if (!l) return;
            body.locales ??= {};
            // A new locale starts as a copy of the default content, to translate.
            body.locales[l] ??= { channels: structuredClone(body.channels) };
            locale = l;
            drawAll();
            schedulePreview();
          },
        },
        addLocale,
        h("button", { type: "submit", title: t("tpl.addLocale") }, "+"),
      ),
    );
    const present = Object.keys(channelsOf());
    const missing = descriptors.map((d) => d.id).filter((c) => !present.includes(c));
    const add = h("select#add-channel", { "aria-label": t("tpl.addChannel"), onchange: () => addChannel(add.value) }, h("option", { value: "" }, `+ ${t("tpl.addChannel")}`), missing.map((c) => h("option", { value: c }, channelName(c))));
    mount(
      channelTabs,
      present.map((c) => h(`button${c === channel ? ".active" : ""}`, { dataset: { channel: c }, onclick: () => ((channel = c), drawAll()) }, channelName(c))),
      missing.length ? add : null,
    );
  }

  function pickChannel() {
    const present = Object.keys(channelsOf());
    if (!present.includes(channel)) channel = present[0] ?? channel;
  }

  function addChannel(name) {
    if (!name) return;
    const blank = Object.fromEntries(fieldsOf(name).filter((f) => f.required || f.initial !== undefined).map((f) => [f.name, f.initial ?? ""]));
    channelsOf()[name] = blank;
    channel = name;
    drawAll();
    schedulePreview();
  }

  function drawFields() {
    const content = channelsOf()[channel];
    if (!content) return mount(fields, h("p.muted", t("common.none")));
    mount(
      fields,
      fieldsOf(channel).map(({ name, kind, required, label, maxLength, placeholder }) => {
        const path = `${pathPrefix()}.${name}`;
        const value = isJsonKind(kind) ? (content[name] === undefined ? "" : JSON.stringify(content[name], null, 2)) : (content[name] ?? "");
        const attrs = {
          dataset: { path, field: name },
          spellcheck: !isJsonKind(kind) && kind !== "mjml" && kind !== "url",
          oninput: (e) => {
            const text = e.target.value;
            clearFieldError(e.target);
            if (isJsonKind(kind)) {
              const parsed = parseJson(text, undefined);
              if (parsed.error) return showFieldError(e.target, parsed.error);
              if (parsed.value === undefined) delete content[name];
              else content[name] = parsed.value;
            } else if (text === "" && !required) delete content[name];
            else content[name] = text;
            schedulePreview();
          },
        };
        const limits = maxLength !== undefined && !isJsonKind(kind) ? { maxLength } : {};
        const input =
          kind === "text" || kind === "url"
            ? h("input", { type: "text", value, placeholder: placeholder ?? "", ...limits, ...attrs })
            : h(`textarea${kind === "mjml" ? ".tall" : ""}`, { ...attrs, ...limits, placeholder: placeholder ?? "" }, value);
        return (input.id = `field-${path.replaceAll(".", "-")}`, h("div.field", h("label", { htmlFor: input.id }, label), input));
      }),
      h("button.danger", { style: { marginTop: "10px" }, onclick: () => (delete channelsOf()[channel], pickChannel(), drawAll(), schedulePreview()) }, t("tpl.removeChannel")),
    );
  }

  function clearFieldError(input) {
    input.classList.remove("field-error");
    input.parentElement.querySelector(".error")?.remove();
  }
  function showFieldError(input, message) {
    input.classList.add("field-error");
    input.parentElement.querySelector(".error")?.remove();
    input.after(h("div.error", message));
  }

  /** Marks the fields a problem document names; the rest are listed above the form. */
  function showErrors(error) {
    fields.querySelectorAll(".field-error").forEach(clearFieldError);
    if (!error) return mount(errorsBox);
    // Problems with a field on screen are shown under it; the rest (other channels, locales) above.
    const elsewhere = [];
    for (const e of error.errors ?? []) {
      const path = e.path.replace(/^template\./, "");
      let input = fields.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (!input && path === pathPrefix()) input = fields.querySelector("[data-path]");
      if (!input) input = [...fields.querySelectorAll("[data-path]")].find((el) => path.startsWith(el.dataset.path));
      if (input) showFieldError(input, e.message);
      else elsewhere.push(e);
    }
    mount(errorsBox, problemBox(Object.assign(Object.create(Object.getPrototypeOf(error)), error, { errors: elsewhere, message: elsewhere.length || !(error.errors ?? []).length ? error.message : t("tpl.invalid") })));
  }

  let previewSeq = 0;
  async function preview() {
    const seq = ++previewSeq;
    const data = parseJson(sampleData.value);
    const subscriber = parseJson(sampleSubscriber.value);
    if (data.error || subscriber.error) return mount(previewBox, h("div.error", data.error ?? subscriber.error));
    body.sample = { data: data.value, subscriber: subscriber.value }; // saved with the template
    try {
      const result = await api("POST", "/v1/admin/templates/preview", { template: body, data: data.value, subscriber: subscriber.value, ...(locale ? { locale } : {}) });
      if (seq !== previewSeq) return;
      showErrors(null);
      previewBox.classList.remove("stale");
      mount(previewBox, renderPreview(result, descriptors));
    } catch (error) {
      if (seq !== previewSeq || !(error instanceof ApiError)) return;
      showErrors(error);
      // The last good render stays, marked as out of date.
      previewBox.classList.add("stale");
      if (!previewBox.querySelector("#preview-stale")) previewBox.prepend(h("div.errors#preview-stale", t("tpl.stale")));
    }
  }
  const schedulePreview = debounce(preview, 250);
  sampleData.addEventListener("input", schedulePreview);
  sampleSubscriber.addEventListener("input", schedulePreview);

  async function save() {
    saveButton.disabled = true;
    try {
      saved = await api("PUT", `/v1/templates/${encodeURIComponent(key)}`, body);
      clean = JSON.stringify(body);
      showErrors(null);
      toast(`${t("common.saved")} · ${t("tpl.version", { v: saved.version })}`);
      await drawVersions();
    } catch (error) {
      if (error instanceof ApiError) showErrors(error);
      else throw error;
    } finally {
      saveButton.disabled = false;
    }
  }

  async function drawVersions() {
    if (!saved) return mount(versionsBox, h("p.muted", t("common.none")));
    const { items } = await api("GET", `/v1/admin/templates/${encodeURIComponent(key)}/versions`);
    mount(
      versionsBox,
      h(
        "ul#version-list",
        { style: { paddingLeft: "18px" } },
        items.map((v) =>
          h(
            "li",
            { dataset: { version: v.version } },
            `${t("tpl.version", { v: v.version })} · ${fmtTime(v.createdAt, lang)} `,
            v.version === saved.version
              ? h("span.badge.ok", t("tpl.current"))
              : h(
                  "button.restore",
                  {
                    onclick: async () => {
                      const restored = await api("POST", `/v1/admin/templates/${encodeURIComponent(key)}/versions/${v.version}/restore`);
                      toast(t("tpl.restored", { v: v.version, n: restored.version }));
                      clean = JSON.stringify(body); // the restored version replaces the edits on purpose
                      dispatchEvent(new HashChangeEvent("hashchange"));
                    },
                  },
                  t("tpl.restore"),
                ),
          ),
        ),
      ),
    );
  }

  function drawAll() {
    drawTabs();
    drawFields();
  }

  drawAll();
  await drawVersions();
  preview();
  const el = h(
    "section#template-editor",
    h("div.row", { style: { justifyContent: "space-between" } }, h("h1", key), h("a", { href: "#/templates" }, `← ${t("common.back")}`)),
    h(
      "div.split",
      h(
        "div",
        h("div.panel", h("label", { htmlFor: "template-description" }, t("tpl.description")), description, h("h3", t("tpl.locale")), localeTabs, channelTabs, errorsBox, fields, h("div.row", { style: { marginTop: "14px" } }, saveButton)),
        h("div.panel", h("h2", t("tpl.versions")), versionsBox),
      ),
      h(
        "div",
        h("div.panel", h("h2", t("tpl.preview")), previewBox),
        h("div.panel", h("h2", t("tpl.sample")), h("label", { htmlFor: "sample-data" }, t("tpl.sampleData")), sampleData, h("label", { htmlFor: "sample-subscriber" }, t("tpl.sampleSubscriber")), sampleSubscriber),
      ),
    ),
  );
  return { el, canLeave: () => JSON.stringify(body) === clean };
}
