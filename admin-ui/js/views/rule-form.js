// The rule editor's form: the same rule document as the JSON view, field by field. Both views hold
// one document and the server validates it (RuleInput, the API's own schema), so the form never
// judges a value itself: its field errors are the server's, in the reader's language.
import { h, mount } from "../dom.js";
import { extend, t } from "../i18n.js";

extend({
  en: {
    "rf.form": "Form",
    "rf.json": "JSON",
    "rf.event": "Event type",
    "rf.description": "Description",
    "rf.category": "Category",
    "rf.critical": "Critical (ignores preferences)",
    "rf.conditions": "Conditions",
    "rf.path": "Event field (e.g. data.status)",
    "rf.value": "Value (JSON: \"courier\", 5, [\"a\",\"b\"])",
    "rf.op": "Operator",
    "rf.addCondition": "Add condition",
    "rf.recipients": "Recipients",
    "rf.toEvent": "The event's `to`",
    "rf.toSubscriber": "Subscriber(s), comma separated",
    "rf.toTopic": "Topic",
    "rf.recipientValue": "Subscriber ids or topic key",
    "rf.steps": "Steps",
    "rf.channel": "Channel",
    "rf.template": "Template",
    "rf.delay": "Delay (e.g. 10m)",
    "rf.after": "After the step before (e.g. 1h)",
    "rf.unlessSeen": "Escalation: only if not seen",
    "rf.fallback": "Fallback: only if the step before failed",
    "rf.addStep": "Add step",
    "rf.remove": "Remove",
    "rf.stepIf": "Run only if (JSON; and / or / not allowed)",
    "rf.digestWindow": "Digest window (e.g. 1h; empty: no digest)",
    "rf.digestKey": "Digest key (e.g. {{data.ticketId}})",
    "rf.digestMax": "Events shown in the digest (default 50)",
    "rf.digestUntilSeen": "Digest: leave out events seen by the end of the window",
    "rf.throttle": "Frequency cap",
    "rf.throttleLimit": "At most (messages; empty: no cap)",
    "rf.throttleWindow": "Per (e.g. 1h)",
    "rf.throttleChannel": "Channel capped",
    "rf.throttleAll": "Each channel",
  },
  ru: {
    "rf.form": "Форма",
    "rf.json": "JSON",
    "rf.event": "Тип события",
    "rf.description": "Описание",
    "rf.category": "Категория",
    "rf.critical": "Важное (без учёта настроек подписчика)",
    "rf.conditions": "Условия",
    "rf.path": "Поле события (например, data.status)",
    "rf.value": "Значение (JSON: \"courier\", 5, [\"a\",\"b\"])",
    "rf.op": "Оператор",
    "rf.addCondition": "Добавить условие",
    "rf.recipients": "Получатели",
    "rf.toEvent": "Поле `to` события",
    "rf.toSubscriber": "Подписчики через запятую",
    "rf.toTopic": "Тема",
    "rf.recipientValue": "id подписчиков или ключ темы",
    "rf.steps": "Шаги",
    "rf.channel": "Канал",
    "rf.template": "Шаблон",
    "rf.delay": "Задержка (например, 10m)",
    "rf.after": "После предыдущего шага (например, 1h)",
    "rf.unlessSeen": "Эскалация: только если не просмотрено",
    "rf.fallback": "Запасной: только если предыдущий шаг не удался",
    "rf.addStep": "Добавить шаг",
    "rf.remove": "Удалить",
    "rf.stepIf": "Только если (JSON; можно and / or / not)",
    "rf.digestWindow": "Окно дайджеста (например, 1h; пусто — без дайджеста)",
    "rf.digestKey": "Ключ дайджеста (например, {{data.ticketId}})",
    "rf.digestMax": "Событий в дайджесте (по умолчанию 50)",
    "rf.digestUntilSeen": "Дайджест: без событий, просмотренных до конца окна",
    "rf.throttle": "Ограничение частоты",
    "rf.throttleLimit": "Не больше (сообщений; пусто — без ограничения)",
    "rf.throttleWindow": "За (например, 1h)",
    "rf.throttleChannel": "Ограничиваемый канал",
    "rf.throttleAll": "Каждый канал",
  },
});

const OPERATORS = ["eq", "in", "ne", "exists", "gt", "gte", "lt", "lte"];

/** A JSON value typed in a field, or the text itself when it is not JSON (so `courier` needs no quotes). */
function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const field = (id, label, input) => h("div.field", h("label", { htmlFor: id }, label), input);
const input = (id, value, extra = {}) => h(`input#${id}`, { type: "text", value: value ?? "", ...extra });
const check = (id, label, checked) => h("label.check", { htmlFor: id }, h(`input#${id}`, { type: "checkbox", checked: Boolean(checked) }), " ", label);

/**
 * Draws `rule` (a RuleInput document) into `box`; `read()` gives the document back, `mark(errors)`
 * puts the server's field errors (`errors[].path`, e.g. `steps.0.template`) beside their fields.
 */
export function ruleForm(box, rule, channels) {
  const conditions = h("div#rf-conditions");
  const steps = h("div#rf-steps");
  let nConditions = 0;
  let nSteps = 0;

  function conditionRow(path = "", value) {
    const i = nConditions++;
    const [op, operand] = value !== null && typeof value === "object" && !Array.isArray(value) ? Object.entries(value)[0] ?? ["eq", ""] : ["eq", value ?? ""];
    const row = h(
      "div.row.rf-condition",
      { dataset: { path: `if.${path}` } },
      field(`rf-if-path-${i}`, t("rf.path"), input(`rf-if-path-${i}`, path, { className: "rf-if-path" })),
      field(`rf-if-op-${i}`, t("rf.op"), h(`select#rf-if-op-${i}.rf-if-op`, OPERATORS.map((o) => h("option", { value: o, selected: o === op }, o === "eq" ? "=" : o)))),
      field(`rf-if-value-${i}`, t("rf.value"), input(`rf-if-value-${i}`, operand === "" ? "" : JSON.stringify(operand), { className: "rf-if-value" })),
      h("button", { type: "button", onclick: () => row.remove() }, t("rf.remove")),
    );
    conditions.append(row);
  }

  function stepRow(step = {}) {
    const i = nSteps++;
    const row = h(
      "fieldset.rf-step",
      h("legend", `${t("rf.steps")} ${i + 1}`),
      h(
        "div.row",
        field(`rf-channel-${i}`, t("rf.channel"), h(`select#rf-channel-${i}.rf-channel`, [...new Set([...channels, step.channel].filter(Boolean))].map((c) => h("option", { value: c, selected: c === step.channel }, c)))),
        field(`rf-template-${i}`, t("rf.template"), input(`rf-template-${i}`, step.template, { className: "rf-template" })),
        field(`rf-delay-${i}`, t("rf.delay"), input(`rf-delay-${i}`, step.delay, { className: "rf-delay" })),
        field(`rf-after-${i}`, t("rf.after"), input(`rf-after-${i}`, step.after, { className: "rf-after" })),
      ),
      h(
        "div.row",
        field(`rf-digest-window-${i}`, t("rf.digestWindow"), input(`rf-digest-window-${i}`, step.digest?.window, { className: "rf-digest-window" })),
        field(`rf-digest-key-${i}`, t("rf.digestKey"), input(`rf-digest-key-${i}`, step.digest?.key, { className: "rf-digest-key" })),
        field(`rf-digest-max-${i}`, t("rf.digestMax"), input(`rf-digest-max-${i}`, step.digest?.max, { className: "rf-digest-max", inputMode: "numeric" })),
      ),
      check(`rf-digest-until-${i}`, t("rf.digestUntilSeen"), step.digest?.until === "seen"),
      // `if` nests and / or / not three levels deep: a small JSON field says it more plainly than nested rows.
      field(`rf-stepif-${i}`, t("rf.stepIf"), h(`textarea#rf-stepif-${i}.rf-if`, { rows: 2, value: step.if === undefined ? "" : JSON.stringify(step.if) })),
      h("div.row", check(`rf-unless-${i}`, t("rf.unlessSeen"), step.unlessSeen), check(`rf-fallback-${i}`, t("rf.fallback"), step.fallback), h("button", { type: "button", onclick: () => row.remove() }, t("rf.remove"))),
    );
    steps.append(row);
  }

  const to = rule.to ?? {};
  const kind = "topic" in to ? "topic" : "subscriber" in to ? "subscriber" : "event";
  const recipientKind = h(
    "select#rf-to-kind",
    ["event", "subscriber", "topic"].map((k) => h("option", { value: k, selected: k === kind }, t(k === "event" ? "rf.toEvent" : k === "topic" ? "rf.toTopic" : "rf.toSubscriber"))),
  );
  const throttle = rule.throttle ?? {};
  const throttleChannel = h(
    "select#rf-throttle-channel",
    h("option", { value: "", selected: !throttle.channel }, t("rf.throttleAll")),
    [...new Set([...channels, throttle.channel].filter(Boolean))].map((c) => h("option", { value: c, selected: c === throttle.channel }, c)),
  );
  const recipientValue = input("rf-to-value", kind === "topic" ? to.topic : kind === "subscriber" ? [to.subscriber].flat().join(", ") : "");

  mount(
    box,
    h(
      "div.row",
      field("rf-event", t("rf.event"), input("rf-event", rule.event)),
      field("rf-category", t("rf.category"), input("rf-category", rule.category)),
    ),
    field("rf-description", t("rf.description"), input("rf-description", rule.description)),
    check("rf-critical", t("rf.critical"), rule.critical),
    h("h3", t("rf.conditions")),
    conditions,
    h("button#rf-add-condition", { type: "button", onclick: () => conditionRow() }, t("rf.addCondition")),
    h("h3", t("rf.recipients")),
    h("div.row", field("rf-to-kind", t("rf.recipients"), recipientKind), field("rf-to-value", t("rf.recipientValue"), recipientValue)),
    h("h3", t("rf.throttle")),
    h(
      "div.row",
      field("rf-throttle-limit", t("rf.throttleLimit"), input("rf-throttle-limit", throttle.limit, { inputMode: "numeric" })),
      field("rf-throttle-window", t("rf.throttleWindow"), input("rf-throttle-window", throttle.window)),
      field("rf-throttle-channel", t("rf.throttleChannel"), throttleChannel),
    ),
    h("h3", t("rf.steps")),
    steps,
    h("button#rf-add-step", { type: "button", onclick: () => stepRow() }, t("rf.addStep")),
  );
  for (const [path, value] of Object.entries(rule.if ?? {})) conditionRow(path, value);
  for (const step of rule.steps ?? []) stepRow(step);
  const kept = { enabled: rule.enabled };

  const text = (sel, root = box) => root.querySelector(sel).value.trim();
  return {
    /** The document the form shows: empty fields are left out, so the server's defaults apply. */
    read() {
      const out = { event: text("#rf-event") };
      const description = text("#rf-description");
      const category = text("#rf-category");
      if (description) out.description = description;
      if (category) out.category = category;
      if (box.querySelector("#rf-critical").checked) out.critical = true;
      if (kept.enabled !== undefined) out.enabled = kept.enabled;
      const conds = [...conditions.querySelectorAll(".rf-condition")];
      if (conds.length) {
        out.if = {};
        for (const c of conds) {
          const op = c.querySelector(".rf-if-op").value;
          const value = parseValue(text(".rf-if-value", c));
          out.if[text(".rf-if-path", c)] = op === "eq" ? value : { [op]: value };
        }
      }
      const value = recipientValue.value.trim();
      if (recipientKind.value === "topic") out.to = { topic: value };
      if (recipientKind.value === "subscriber") {
        const ids = value.split(",").map((s) => s.trim()).filter(Boolean);
        out.to = { subscriber: ids.length === 1 ? ids[0] : ids };
      }
      const limit = text("#rf-throttle-limit");
      if (limit || text("#rf-throttle-window")) {
        out.throttle = { limit: parseValue(limit), window: text("#rf-throttle-window") };
        if (throttleChannel.value) out.throttle.channel = throttleChannel.value;
      }
      out.steps = [...steps.querySelectorAll(".rf-step")].map((s) => {
        const step = { channel: s.querySelector(".rf-channel").value, template: text(".rf-template", s) };
        for (const key of ["delay", "after"]) if (text(`.rf-${key}`, s)) step[key] = text(`.rf-${key}`, s);
        if (s.querySelector("[id^=rf-unless]").checked) step.unlessSeen = true;
        if (s.querySelector("[id^=rf-fallback]").checked) step.fallback = true;
        // Not JSON is sent as the text itself, so the server's field error names it.
        if (text(".rf-if", s)) step.if = parseValue(text(".rf-if", s));
        const window = text(".rf-digest-window", s);
        const until = s.querySelector("[id^=rf-digest-until]").checked;
        if (window || text(".rf-digest-key", s) || text(".rf-digest-max", s) || until) {
          step.digest = { window };
          if (text(".rf-digest-key", s)) step.digest.key = text(".rf-digest-key", s);
          if (text(".rf-digest-max", s)) step.digest.max = parseValue(text(".rf-digest-max", s));
          if (until) step.digest.until = "seen";
        }
        return step;
      });
      return out;
    },
    /** The server's field errors beside their fields (`steps.0.template` → the first step's template). */
    mark(errors) {
      for (const el of box.querySelectorAll(".field-error")) el.remove();
      for (const el of box.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      for (const e of errors ?? []) {
        const target = fieldFor(String(e.path));
        if (!target) continue;
        target.setAttribute("aria-invalid", "true");
        target.closest(".field")?.append(h("div.field-error.error", { dataset: { path: e.path } }, e.message));
      }
    },
  };

  function fieldFor(path) {
    const m = /^steps\.(\d+)\.(\w+)(?:\.(\w+))?/.exec(path);
    if (m) return box.querySelectorAll(".rf-step")[Number(m[1])]?.querySelector(m[2] === "digest" ? `.rf-digest-${m[3] === "max" || m[3] === "key" ? m[3] : "window"}` : `.rf-${m[2]}`);
    if (path.startsWith("throttle")) return box.querySelector(`#rf-throttle-${path.split(".")[1] === "window" ? "window" : path.split(".")[1] === "channel" ? "channel" : "limit"}`);
    const top = { event: "#rf-event", category: "#rf-category", description: "#rf-description", to: "#rf-to-value" }[path.split(".")[0]];
    return top ? box.querySelector(top) : null;
  }
}
