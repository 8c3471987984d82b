// The dashboard's failures, sorted by whose move it is: setup gaps (a channel or template not set up),
// recipients who cannot receive (no address, no push device, suppressed), and provider failures. Only
// what a retry can help gets a Retry button.
import { api } from "../api.js";
import { fmtNumber, fmtTime, h, mount, toast } from "../dom.js";
import { channelName, statusBadge, subscriberLink } from "../format.js";
import { extend, t } from "../i18n.js";

extend({
  en: {
    "fail.configuration": "Setup gaps",
    "fail.recipient": "Recipients unreachable",
    "fail.provider": "Provider failures",
    "fail.kind.configuration": "setup",
    "fail.kind.recipient": "recipient",
    "fail.kind.provider": "provider",
    "fail.hint.configuration": "Retrying will not help until the setup is fixed.",
    "fail.hint.recipient": "Nothing to retry: the subscriber needs an address or a device on this channel.",
    "fail.hint.provider": "The provider refused or did not answer: Retry sends it again.",
    "fail.missing": "{channel} is not set up; set:",
    "fail.no_address": "No address for {channel} in the subscriber's profile.",
    "fail.no_push_subscription": "The subscriber has no push device (they never allowed notifications in a browser).",
    "fail.template": "The template or its {channel} content is missing: add it under Templates.",
    "fail.story": "Story",
    "fail.deadJobs": "Dead jobs ({n})",
    "fail.deadJobsHint": "A plugin kept failing on these events until its attempts were spent; they are no longer retried. Retry runs one again.",
    "fail.kind": "Job",
    "fail.attempts": "Attempts",
  },
  ru: {
    "fail.configuration": "Не настроено",
    "fail.recipient": "Получатель недоступен",
    "fail.provider": "Сбои провайдера",
    "fail.kind.configuration": "настройка",
    "fail.kind.recipient": "получатель",
    "fail.kind.provider": "провайдер",
    "fail.hint.configuration": "Повтор не поможет, пока настройка не исправлена.",
    "fail.hint.recipient": "Повторять нечего: подписчику нужен адрес или устройство для этого канала.",
    "fail.hint.provider": "Провайдер отказал или не ответил: «Повторить» отправит снова.",
    "fail.missing": "{channel} не настроен; задайте:",
    "fail.no_address": "В профиле подписчика нет адреса для канала «{channel}».",
    "fail.no_push_subscription": "У подписчика нет устройства для push (он не разрешал уведомления в браузере).",
    "fail.template": "Нет шаблона или его содержания для канала «{channel}»: добавьте в разделе «Шаблоны».",
    "fail.story": "История",
    "fail.deadJobs": "Остановленные задания ({n})",
    "fail.deadJobsHint": "Плагин раз за разом падал на этих событиях, попытки исчерпаны, повторов больше не будет. «Повторить» запустит задание снова.",
    "fail.kind": "Задание",
    "fail.attempts": "Попыток",
  },
});

const KINDS = ["configuration", "recipient", "provider"];

/** What to do about one failure, in words (and the settings a channel lacks, as code). */
function advice(f) {
  const channel = channelName(f.channel);
  if (f.missing?.length) return h("span.missing", t("fail.missing", { channel }), " ", f.missing.map((m, i) => [i ? ", " : "", h("code", m)]));
  if (f.code === "no_address" || f.code === "no_push_subscription") return t(`fail.${f.code}`, { channel });
  if (f.code === "template_missing" || f.code === "template_missing_channel") return t("fail.template", { channel });
  return t(`fail.hint.${f.kind}`);
}

/** The counts by kind, and the latest failures with their advice; `refresh` redraws after a retry. */
export function drawFailures(box, latest, lang, refresh) {
  const cards = h(
    "div.cards#failure-kinds",
    KINDS.map((k) => h("div.card", { dataset: { kind: k } }, h("div.n", fmtNumber(latest.kinds?.[k] ?? 0, lang)), h("div.l", t(`fail.${k}`)))),
  );
  if (latest.items.length === 0) return mount(box, h("h2", t("dash.failures")), cards, h("p.muted", t("dash.noFailures")));
  const row = (f) =>
    h(
      "tr",
      { dataset: { delivery: f.id, kind: f.kind, code: f.code ?? "" } },
      h("td", fmtTime(f.updatedAt, lang)),
      h("td", channelName(f.channel)),
      h("td", subscriberLink(f.subscriberId)),
      h("td", statusBadge(f.status), " ", h(`span.badge.kind-${f.kind}`, t(`fail.kind.${f.kind}`))),
      h("td", h("div.advice", advice(f)), f.lastError ? h("div.muted.small", f.lastError) : null),
      h(
        "td",
        f.eventId ? h("a.story", { href: `#/events/${encodeURIComponent(f.eventId)}` }, t("fail.story")) : null,
        f.retryable
          ? h(
              "button.retry",
              {
                onclick: async (e) => {
                  e.target.disabled = true;
                  await api("POST", `/v1/admin/deliveries/${encodeURIComponent(f.id)}/retry`);
                  toast(t("dash.retried"));
                  refresh();
                },
              },
              t("dash.retry"),
            )
          : null,
      ),
    );
  mount(
    box,
    h("h2", t("dash.failures")),
    cards,
    h(
      "div.table-wrap",
      { tabIndex: 0 },
      h(
        "table#failure-table",
        h("thead", h("tr", h("th", t("common.time")), h("th", t("common.channel")), h("th", t("common.subscriber")), h("th", t("common.status")), h("th", t("common.reason")), h("th"))),
        h("tbody", latest.items.map(row)),
      ),
    ),
  );
}

/** Jobs whose attempts are spent (GET /v1/admin/dead-jobs), below the failures; nothing when there are none. */
export function drawDeadJobs(box, dead, lang, refresh) {
  if (!dead.total) return mount(box);
  const row = (j) =>
    h(
      "tr",
      { dataset: { job: j.id, kind: j.kind } },
      h("td", fmtTime(j.diedAt, lang)),
      h("td", h("code", j.kind)),
      h("td", j.kind === "plugin" ? h("a.story", { href: `#/events/${encodeURIComponent(j.ref)}` }, j.ref) : j.ref),
      h("td", fmtNumber(j.attempts, lang)),
      h("td.small", j.lastError ?? ""),
      h(
        "td",
        h(
          "button.retry",
          {
            onclick: async (e) => {
              e.target.disabled = true;
              await api("POST", `/v1/admin/dead-jobs/${encodeURIComponent(j.id)}/retry`);
              toast(t("dash.retried"));
              refresh();
            },
          },
          t("dash.retry"),
        ),
      ),
    );
  mount(
    box,
    h("h2", t("fail.deadJobs", { n: fmtNumber(dead.total, lang) })),
    h("p.muted", t("fail.deadJobsHint")),
    h(
      "div.table-wrap",
      { tabIndex: 0 },
      h(
        "table#dead-job-table",
        h("thead", h("tr", h("th", t("common.time")), h("th", t("fail.kind")), h("th", t("common.event")), h("th", t("fail.attempts")), h("th", t("common.reason")), h("th"))),
        h("tbody", dead.items.map(row)),
      ),
    ),
  );
}
