import { api } from "../api.js";
import { fmtTime, h, mount, problemBox, toast } from "../dom.js";
import { currentLang } from "../i18n.js";

// This view's words live here (the shared dictionary stays untouched by it); English is the fallback.
const WORDS = {
  en: {
    title: "Status webhooks",
    endpoints: "Endpoints",
    noEndpoints: "No endpoints registered (POST /v1/webhook-endpoints with the API key).",
    dead: "Dead letters",
    noDead: "No dead letters.",
    counts: "Pending {pending} · sent {sent} · dead {dead}",
    replay: "Send again",
    replayed: "Queued again",
    attempts: "attempts",
    url: "URL",
    events: "Events",
    type: "Type",
    error: "Last error",
    when: "When",
  },
  ru: {
    title: "Вебхуки статусов",
    endpoints: "Адреса",
    noEndpoints: "Адресов нет (POST /v1/webhook-endpoints с API-ключом).",
    dead: "Недоставленные",
    noDead: "Недоставленных нет.",
    counts: "В очереди {pending} · отправлено {sent} · недоставлено {dead}",
    replay: "Отправить снова",
    replayed: "Поставлено в очередь",
    attempts: "попыток",
    url: "URL",
    events: "События",
    type: "Тип",
    error: "Последняя ошибка",
    when: "Когда",
  },
};
const w = (key, vars = {}) => ((WORDS[currentLang()] ?? WORDS.en)[key] ?? WORDS.en[key]).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));

/** Status webhooks: the registered endpoints, and dead letters (messages that used up their retries) with "send again". */
export async function webhooksView() {
  const endpoints = h("div#webhook-endpoints");
  const dead = h("div#webhook-dead");
  const counts = h("p.muted#webhook-counts");

  async function load() {
    const [list, messages] = await Promise.all([api("GET", "/v1/webhook-endpoints"), api("GET", "/v1/admin/webhook-messages?status=dead&limit=100")]);
    mount(counts, w("counts", messages.counts));
    mount(
      endpoints,
      list.items.length === 0
        ? h("p.muted", w("noEndpoints"))
        : h("div.table-wrap", h("table", h("thead", h("tr", h("th", "id"), h("th", w("url")), h("th.hide-phone", w("events")))), h("tbody", list.items.map((e) => h("tr", { dataset: { id: e.id } }, h("td", e.id), h("td", e.url), h("td.hide-phone", e.events.join(", "))))))),
    );
    mount(
      dead,
      messages.items.length === 0
        ? h("p.muted", w("noDead"))
        : h(
            "div.table-wrap",
            h(
              "table#webhook-dead-table",
              h("thead", h("tr", h("th", w("when")), h("th", w("type")), h("th.hide-phone", "id"), h("th", w("error")), h("th"))),
              h(
                "tbody",
                messages.items.map((m) =>
                  h(
                    "tr",
                    { dataset: { id: m.id, endpoint: m.endpointId } },
                    h("td", fmtTime(m.updatedAt, currentLang())),
                    h("td", m.type),
                    h("td.hide-phone", m.id, h("div.muted", m.endpointId)),
                    h("td", m.lastError ?? "", h("div.muted", `${m.attempts} ${w("attempts")}`)),
                    h("td", h("button.replay", { onclick: () => replay(m) }, w("replay"))),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  async function replay(message) {
    try {
      await api("POST", `/v1/admin/webhook-messages/${encodeURIComponent(message.endpointId)}/${encodeURIComponent(message.id)}/replay`);
      toast(w("replayed"));
    } catch (error) {
      mount(dead, problemBox(error));
      return;
    }
    await load();
  }

  await load();
  const el = h("div", h("h1", w("title")), counts, h("div.panel", h("h2", w("endpoints")), endpoints), h("div.panel", h("h2", w("dead")), dead));
  return { el };
}
