// The event timeline: find events by id, type or subscriber, and read one event's story: received,
// the rules it matched, the notifications they made, and each delivery's attempts, provider answer,
// timings and whether it was seen and read.
import { api, ApiError } from "../api.js";
import { fmtNumber, fmtTime, h, mount } from "../dom.js";
import { channelName, statusBadge, subscriberLink } from "../format.js";
import { extend, t } from "../i18n.js";

extend({
  en: {
    "nav.events": "Events",
    "ev.title": "Events",
    "ev.placeholder": "event id, event type or subscriber id",
    "ev.empty": "No events found.",
    "ev.notifications": "Notifications",
    "ev.received": "Received",
    "ev.planned": "planned",
    "ev.accepted": "accepted, not planned yet",
    "ev.rules": "Matched rules",
    "ev.noRules": "No rule matched: nobody was notified.",
    "ev.to": "To",
    "ev.created": "created",
    "ev.seen": "seen",
    "ev.read": "read",
    "ev.step": "Step",
    "ev.attempts": "Attempts",
    "ev.answer": "Provider answer",
    "ev.providerId": "provider id {id}",
    "ev.updated": "Last change",
    "ev.data": "Event data",
    "ev.missing": "No event with this id (events are kept for a limited time).",
  },
  ru: {
    "nav.events": "События",
    "ev.title": "События",
    "ev.placeholder": "id события, тип события или id подписчика",
    "ev.empty": "События не найдены.",
    "ev.notifications": "Уведомления",
    "ev.received": "Получено",
    "ev.planned": "обработано",
    "ev.accepted": "принято, ещё не обработано",
    "ev.rules": "Сработавшие правила",
    "ev.noRules": "Ни одно правило не сработало: никто не уведомлён.",
    "ev.to": "Кому",
    "ev.created": "создано",
    "ev.seen": "просмотрено",
    "ev.read": "прочитано",
    "ev.step": "Шаг",
    "ev.attempts": "Попытки",
    "ev.answer": "Ответ провайдера",
    "ev.providerId": "id у провайдера {id}",
    "ev.updated": "Последнее изменение",
    "ev.data": "Данные события",
    "ev.missing": "Нет события с таким id (события хранятся ограниченное время).",
  },
});

/** Search: newest first; an id, a type or a subscriber id. */
export async function eventsView(query = "") {
  const q = h("input#event-q", { type: "search", value: query, placeholder: t("ev.placeholder"), "aria-label": t("ev.placeholder") });
  const results = h("div#event-results");
  async function search() {
    const { items } = await api("GET", `/v1/admin/events?q=${encodeURIComponent(q.value.trim())}&limit=50`);
    if (items.length === 0) return mount(results, h("p.muted", t("ev.empty")));
    mount(
      results,
      h(
        "div.table-wrap",
        { tabIndex: 0 },
        h(
          "table#event-table",
          h("thead", h("tr", h("th", t("common.time")), h("th", "id"), h("th", t("common.event")), h("th", t("ev.notifications")))),
          h(
            "tbody",
            items.map((e) =>
              h("tr", { dataset: { id: e.id } }, h("td", fmtTime(e.receivedAt)), h("td", h("a", { href: `#/events/${encodeURIComponent(e.id)}` }, e.id)), h("td", e.type), h("td", fmtNumber(e.notifications))),
            ),
          ),
        ),
      ),
    );
  }
  await search();
  const el = h(
    "section#events",
    h("h1", t("ev.title")),
    h("form.panel", { onsubmit: (e) => (e.preventDefault(), search()) }, h("div.row", h("div.grow", q), h("button.primary", { type: "submit" }, t("common.search"))), results),
  );
  return { el };
}

/** One event's story, from `GET /v1/events/{id}`. */
export async function eventStory(id) {
  let ev;
  try {
    ev = await api("GET", `/v1/events/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    return { el: h("section#event-story", h("h1", id), h("div.panel#event-missing", h("p", t("ev.missing")), h("a", { href: "#/events" }, `← ${t("common.back")}`))) };
  }
  const rules = [...new Set(ev.notifications.map((n) => n.ruleId))];
  const when = (label, value) => (value ? h("span.when", { dataset: { what: label } }, `${t(`ev.${label}`)} ${fmtTime(value)}`) : null);
  const delivery = (d) =>
    h(
      "tr",
      { dataset: { delivery: d.id, channel: d.channel, status: d.status } },
      h("td", String(d.step + 1)),
      h("td", channelName(d.channel), h("div.muted.small", d.template)),
      h("td", statusBadge(d.status)),
      h("td.attempts", fmtNumber(d.attempts)),
      h("td", d.lastError ? h("div.answer", d.lastError) : null, d.providerMessageId ? h("div.muted.small.provider-id", t("ev.providerId", { id: d.providerMessageId })) : null),
      h("td", fmtTime(d.updatedAt)),
    );
  const notification = (n) =>
    h(
      "li.panel.notification",
      { dataset: { notification: n.id, subscriber: n.subscriberId, rule: n.ruleId } },
      h("div.row", h("strong", `${t("ev.to")}:`), subscriberLink(n.subscriberId), h("span.badge", n.ruleId), when("created", n.createdAt), when("seen", n.seenAt), when("read", n.readAt)),
      h(
        "div.table-wrap",
        { tabIndex: 0 },
        h(
          "table.deliveries",
          h("thead", h("tr", h("th", t("ev.step")), h("th", t("common.channel")), h("th", t("common.status")), h("th", t("ev.attempts")), h("th", t("ev.answer")), h("th", t("ev.updated")))),
          h("tbody", n.deliveries.map(delivery)),
        ),
      ),
    );
  const el = h(
    "section#event-story",
    h("div.row", { style: { justifyContent: "space-between" } }, h("h1", `${ev.type} · ${ev.id}`), h("a", { href: "#/events" }, `← ${t("common.back")}`)),
    h(
      "ol.timeline",
      h("li.panel#event-received", h("strong", t("ev.received")), " ", fmtTime(ev.receivedAt), " · ", t(ev.status === "planned" ? "ev.planned" : "ev.accepted"), ev.data ? [h("h3", t("ev.data")), h("pre.json", JSON.stringify(ev.data, null, 2))] : null),
      h("li.panel#event-rules", h("strong", t("ev.rules")), " ", rules.length ? rules.map((r) => h("span.badge", { dataset: { rule: r } }, r)) : h("span.muted", t("ev.noRules"))),
      h("li#event-notifications", h("ol.plain", ev.notifications.map(notification))),
    ),
  );
  return { el };
}
