import { api, ApiError } from "../api.js";
import { fmtNumber, fmtTime, h, mount, toast } from "../dom.js";
import { channelName, statusBadge } from "../format.js";
import { currentLang, t } from "../i18n.js";

const PAGE = 50;

/** Search by id, name, email or phone; a page of results at a time. */
export async function subscribersView() {
  const lang = currentLang();
  const q = h("input#subscriber-q", { type: "search", placeholder: t("subs.placeholder"), "aria-label": t("subs.placeholder") });
  const results = h("div#subscriber-results");
  const count = h("p.muted#subscriber-count");
  let offset = 0;

  async function search(reset = true) {
    if (reset) offset = 0;
    const page = await api("GET", `/v1/admin/subscribers?q=${encodeURIComponent(q.value)}&limit=${PAGE}&offset=${offset}`);
    // What the search found, not the whole base ("34 subscribers in all" for one match misled).
    count.textContent = q.value.trim() ? t("subs.found", { n: fmtNumber(page.total, lang) }) : t("subs.count", { n: fmtNumber(page.total, lang) });
    if (page.items.length === 0 && reset) return mount(results, h("p.muted", t("subs.empty")));
    const rows = page.items.map((s) =>
      h(
        "tr.clickable",
        { dataset: { id: s.id }, onclick: () => (location.hash = `#/subscribers/${encodeURIComponent(s.id)}`) },
        h("td", h("a", { href: `#/subscribers/${encodeURIComponent(s.id)}` }, s.id)),
        h("td", s.name ?? ""),
        h("td.hide-phone", s.email ?? ""),
        h("td.hide-phone", s.phone ?? ""),
        h("td", s.locale ?? ""),
      ),
    );
    const more = page.next !== null ? h("button", { onclick: () => ((offset = page.next), search(false)) }, t("common.more")) : null;
    if (reset) {
      mount(
        results,
        h("div.table-wrap", { tabIndex: 0 }, h("table#subscriber-table", h("thead", h("tr", h("th", "id"), h("th", t("subs.name")), h("th.hide-phone", t("subs.email")), h("th.hide-phone", t("subs.phone")), h("th", t("subs.locale")))), h("tbody", rows))),
        more,
      );
    } else {
      results.querySelector("tbody").append(...rows);
      results.querySelector(":scope > button")?.remove();
      if (more) results.append(more);
    }
  }

  await search();
  const el = h(
    "section#subscribers",
    h("h1", t("subs.title")),
    h(
      "form.panel",
      { onsubmit: (e) => (e.preventDefault(), search()) },
      h("div.row", h("div.grow", q), h("button.primary", { type: "submit" }, t("common.search"))),
      count,
      results,
    ),
  );
  return { el };
}

/** One subscriber: profile, topics, push devices, preferences, inbox, delivery history; erase. */
export async function subscriberView(id) {
  const lang = currentLang();
  let d;
  try {
    d = await api("GET", `/v1/admin/subscribers/${encodeURIComponent(id)}`);
  } catch (error) {
    // An old link (a failure row, a bookmark) to someone erased since: say so, not an error page.
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    return { el: h("section#subscriber-gone", h("h1", id), h("div.panel", h("p", t("subscriber.gone")), h("a", { href: "#/subscribers" }, `← ${t("common.back")}`))) };
  }
  const s = d.subscriber;
  const kv = (pairs) => h("dl.kv", pairs.flatMap(([k, v]) => [h("dt", k), h("dd", v ?? "—")]));
  const erase = h(
    "button.danger#erase",
    {
      onclick: async () => {
        if (!confirm(t("subs.eraseConfirm", { id }))) return;
        await api("DELETE", `/v1/subscribers/${encodeURIComponent(id)}`);
        toast(t("subs.erased"));
        location.hash = "#/subscribers";
      },
    },
    t("subs.erase"),
  );
  const el = h(
    "section#subscriber",
    h("div.row", { style: { justifyContent: "space-between" } }, h("h1", s.name ? `${s.name} · ${s.id}` : s.id), h("a", { href: "#/subscribers" }, `← ${t("common.back")}`)),
    h(
      "div.grid",
      h(
        "div.panel#profile",
        h("h2", t("subs.profile")),
        kv([
          ["id", s.id],
          [t("subs.name"), s.name],
          [t("subs.email"), s.email],
          [t("subs.phone"), s.phone],
          [t("subs.locale"), s.locale],
          [t("subs.timezone"), s.timezone],
          [t("subs.data"), s.data ? JSON.stringify(s.data) : null],
        ]),
        h("div", { style: { marginTop: "12px" } }, erase),
      ),
      h(
        "div.panel",
        h("h2", t("subs.topics")),
        s.topics.length ? h("div.row#topics", s.topics.map((topic) => h("span.badge", topic))) : h("p.muted", t("common.none")),
        h("h3", t("subs.devices")),
        d.pushDevices.length
          ? h("ul#devices", d.pushDevices.map((p) => h("li", `${p.service} · ${fmtTime(p.createdAt, lang)}${p.lastSuccessAt ? ` · ${t("subs.lastSuccess")} ${fmtTime(p.lastSuccessAt, lang)}` : ""}`)))
          : h("p.muted", t("common.none")),
        h("h3", t("subs.preferences")),
        h("pre.json#preferences", JSON.stringify(d.preferences, null, 2)),
      ),
    ),
    h(
      "div.panel",
      h("h2", t("subs.inbox")),
      d.inbox.length
        ? h("div.table-wrap", { tabIndex: 0 }, h("table#inbox", h("tbody", d.inbox.map((i) => h("tr", h("td", String(i.seq)), h("td", h("strong", i.title ?? ""), h("div", i.body ?? "")), h("td", fmtTime(i.createdAt, lang)), h("td", i.readAt ? "✓✓" : i.seenAt ? "✓" : ""))))))
        : h("p.muted", t("common.none")),
    ),
    h(
      "div.panel",
      h("h2", t("subs.history")),
      d.deliveries.length
        ? h(
            "div.table-wrap", { tabIndex: 0 },
            h(
              "table#history",
              h("thead", h("tr", h("th", t("common.time")), h("th", t("common.event")), h("th", t("common.channel")), h("th.hide-phone", t("common.template")), h("th", t("common.status")), h("th", t("common.reason")))),
              h("tbody", d.deliveries.map((x) => h("tr", h("td", fmtTime(x.createdAt, lang)), h("td", h("a", { href: `#/events/${encodeURIComponent(x.eventId)}` }, x.eventType ?? x.eventId)), h("td", channelName(x.channel)), h("td.hide-phone", x.template), h("td", statusBadge(x.status)), h("td", x.lastError ?? "")))),
            ),
          )
        : h("p.muted", t("common.none")),
    ),
  );
  return { el };
}
