import { api, ApiError } from "../api.js";
import { h, mount, parseJson, problemBox, toast } from "../dom.js";
import { channelName, fmtNumber } from "../format.js";
import { t } from "../i18n.js";
import { ruleForm } from "./rule-form.js";

const EXAMPLE_RULE = { event: "order.status_changed", if: { "data.status": { in: ["courier", "delivered"] } }, steps: [{ channel: "realtime", template: "order-status" }] };

/** Rules: list, enable/disable, edit as JSON with field errors from the API, and a dry run. */
export async function rulesView() {
  const list = h("div#rule-list");
  const editor = h("div.panel#rule-editor");
  const dryRunBox = h("div.panel#dry-run");
  let rules = [];

  async function load() {
    rules = (await api("GET", "/v1/rules")).items;
    if (rules.length === 0) return mount(list, h("p.muted", t("rules.empty")));
    mount(
      list,
      h(
        "div.table-wrap", { tabIndex: 0 },
        h(
          "table#rule-table",
          h("thead", h("tr", h("th", "id"), h("th", t("common.event")), h("th.hide-phone", t("rules.steps")), h("th", t("common.status")), h("th"))),
          h(
            "tbody",
            rules.map((r) =>
              h(
                "tr",
                { dataset: { id: r.id } },
                h("td", h("a", { href: "#/rules", onclick: (e) => (e.preventDefault(), edit(r)) }, r.id), r.description ? h("div.muted", r.description) : null),
                h("td", r.event),
                h("td.hide-phone", r.steps.map((s) => `${channelName(s.channel)} (${s.template})`).join(" → ")),
                h("td", h(`span.badge.${r.enabled ? "ok" : "warn"}`, r.enabled ? t("common.enabled") : t("common.disabled"))),
                h("td", h("button.toggle", { onclick: () => toggle(r) }, r.enabled ? t("rules.disable") : t("rules.enable"))),
              ),
            ),
          ),
        ),
      ),
    );
  }

  const bodyOf = (r) => {
    const { id: _id, updatedAt: _u, ...body } = r;
    return body;
  };

  async function toggle(rule) {
    await api("PUT", `/v1/rules/${encodeURIComponent(rule.id)}`, { ...bodyOf(rule), enabled: !rule.enabled });
    await load();
  }

  function edit(rule) {
    const id = h("input#rule-id", { type: "text", value: rule?.id ?? "", placeholder: t("rules.new"), readOnly: Boolean(rule) });
    const json = h("textarea.tall#rule-json", { spellcheck: false }, JSON.stringify(rule ? bodyOf(rule) : EXAMPLE_RULE, null, 2));
    const errors = h("div#rule-errors");
    // Two views of one document: the form (default) and the JSON for power users; switching carries it over.
    const formBox = h("div#rule-form");
    const jsonBox = h("div#rule-json-box", { hidden: true }, h("label", { htmlFor: "rule-json" }, t("rules.json")), json);
    let form = ruleForm(formBox, rule ? bodyOf(rule) : EXAMPLE_RULE, channels);
    let view = "form";
    const tab = (name) =>
      h(`button.tab#rule-tab-${name}`, { type: "button", "aria-pressed": String(view === name), onclick: () => show(name) }, t(`rf.${name}`));
    const tabs = h("div.row.tabs");
    function show(name) {
      if (name === view) return;
      if (name === "json") json.value = JSON.stringify(form.read(), null, 2);
      else {
        const parsed = parseJson(json.value);
        if (parsed.error) return mount(errors, h("div.errors", parsed.error));
        form = ruleForm(formBox, parsed.value, channels);
      }
      view = name;
      mount(errors);
      formBox.hidden = name !== "form";
      jsonBox.hidden = name !== "json";
      mount(tabs, tab("form"), tab("json"));
    }
    mount(tabs, tab("form"), tab("json"));
    const current = () => (view === "form" ? { value: form.read() } : parseJson(json.value));
    mount(
      editor,
      h("h2", t("rules.edit")),
      h("label", { htmlFor: "rule-id" }, "id"),
      id,
      tabs,
      formBox,
      jsonBox,
      errors,
      h(
        "div.row",
        { style: { marginTop: "10px" } },
        h(
          "button.primary#rule-save",
          {
            onclick: async () => {
              const parsed = current();
              if (parsed.error) return mount(errors, h("div.errors", parsed.error));
              try {
                await api("PUT", `/v1/rules/${encodeURIComponent(id.value.trim())}`, parsed.value);
                mount(errors);
                form.mark([]);
                toast(t("common.saved"));
                await load();
              } catch (error) {
                if (!(error instanceof ApiError)) throw error;
                mount(errors, problemBox(error));
                if (view === "form") form.mark(error.errors);
              }
            },
          },
          t("common.save"),
        ),
        rule
          ? h(
              "button.danger",
              {
                onclick: async () => {
                  // Deleting cannot be undone: name what goes.
                  if (!confirm(t("rules.deleteConfirm", { id: rule.id, event: rule.event }))) return;
                  await api("DELETE", `/v1/rules/${encodeURIComponent(rule.id)}`);
                  edit(null);
                  await load();
                },
              },
              t("common.delete"),
            )
          : null,
      ),
    );
  }

  function drawDryRun() {
    const event = h("textarea.tall#dry-run-event", { spellcheck: false, "aria-label": t("rules.dryRunEvent") }, JSON.stringify({ type: "order.status_changed", to: "customer-42", data: { order: 1234, status: "courier" } }, null, 2));
    const results = h("div#dry-run-results");
    mount(
      dryRunBox,
      h("h2", t("rules.dryRun")),
      h("p.muted", t("rules.dryRunHint")),
      event,
      h(
        "div.row",
        { style: { margin: "10px 0" } },
        h(
          "button.primary#dry-run-go",
          {
            onclick: async () => {
              const parsed = parseJson(event.value);
              if (parsed.error) return mount(results, h("div.errors", parsed.error));
              try {
                const { rules: found } = await api("POST", "/v1/admin/rules/dry-run", { event: parsed.value });
                mount(results, found.length ? found.map(ruleResult) : h("p.muted", t("rules.noRules")));
              } catch (error) {
                if (!(error instanceof ApiError)) throw error;
                mount(results, problemBox(error));
              }
            },
          },
          t("rules.run"),
        ),
      ),
      results,
    );
  }

  function ruleResult(r) {
    return h(
      `div.rule-result${r.matched ? ".match" : ""}`,
      { dataset: { rule: r.id, matched: String(r.matched) } },
      h("div.row", h("strong", r.id), h(`span.badge.${r.matched ? "ok" : "warn"}`, r.matched ? t("rules.matched") : t("rules.notMatched")), r.reason ? h("span.muted", r.reason) : null),
      r.matched || r.recipients
        ? [
            // A topic's members are counted, not listed: `sample` names the first of them (`sampled`).
            h(
              "div.recipients",
              { dataset: { recipients: String(r.recipients), sampled: String(Boolean(r.sampled)) } },
              t("rules.recipients", { n: fmtNumber(r.recipients) }),
              r.sample.length ? h("span.muted", `${r.sampled ? ` · ${t("rules.firstOf", { n: fmtNumber(r.sample.length) })}` : ""}: ${r.sample.join(", ")}${r.sampled ? ", …" : ""}`) : null,
            ),
            h("div.muted", `${t("rules.steps")}: `, r.steps.map((s) => `${s.channel} (${s.template})${s.fallback ? ` [${t("rules.fallback")}]` : ""}${s.waitMs ? ` ${t("rules.wait", { s: `${Math.round(s.waitMs / 1000)} s` })}` : ""}${workflowNote(s)}`).join(" → ")),
            r.throttle ? h("div.muted.throttle", `throttle: ${r.throttle.limit} / ${r.throttle.window}${r.throttle.channel ? ` (${r.throttle.channel})` : ""}`) : null,
            r.messages.length
              ? h(
                  "div",
                  h("h3", t("rules.messages")),
                  r.messages.map((m) =>
                    h("div.msg", { dataset: { channel: m.channel, subscriber: m.subscriberId } }, h("strong", `${m.subscriberId} · ${m.channel}: `), m.error ? h("span.error", m.error) : summary(m.content)),
                  ),
                )
              : null,
          ]
        : null,
    );
  }

  // Rule fields by their JSON names: a step's `if` (judged when it runs) and `digest` (window and this event's key).
  const workflowNote = (s) => `${s.condition ? ` [if ${JSON.stringify(s.condition)}]` : ""}${s.digest ? ` [digest ${s.digest.window}${s.digest.key ? ` · ${s.digest.key}` : ""}${s.digest.until ? ` · until ${s.digest.until}` : ""}]` : ""}`;

  const summary = (c) => [c.title ?? c.subject ?? "", c.body ?? c.text ?? ""].filter(Boolean).join(" — ");

  // The channels a step may name: every one Herald has, configured or not.
  const channels = ((await api("GET", "/v1/stats")).configured ?? []).map((c) => c.id);
  await load();
  edit(null);
  drawDryRun();
  const el = h("section#rules", h("h1", t("rules.title")), h("div.panel", list), h("div.split", editor, dryRunBox));
  return { el };
}
