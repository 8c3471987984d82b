// Words and formats shared by every view: dates, times and numbers through Intl in the UI's language
// (the same formatter for tables and chart axes), channel names and delivery statuses in that language.
import { h } from "./dom.js";
import { extend, intlLocale, t } from "./i18n.js";

extend({
  en: {
    "status.pending": "pending",
    "status.waiting": "waiting",
    "status.sent": "sent",
    "status.delivered": "delivered",
    "status.failed": "failed",
    "status.dead": "gave up",
    "status.cancelled": "cancelled",
    "subscriber.erased": "erased subscriber",
    "subscriber.gone": "This subscriber was erased or does not exist. Deliveries to them stay counted, under a pseudonym.",
  },
  ru: {
    "status.pending": "в очереди",
    "status.waiting": "ожидает",
    "status.sent": "отправлено",
    "status.delivered": "доставлено",
    "status.failed": "ошибка",
    "status.dead": "не доставлено",
    "status.cancelled": "отменено",
    "subscriber.erased": "удалённый подписчик",
    "subscriber.gone": "Этот подписчик удалён или не существовал. Доставки ему остаются в счётчиках под псевдонимом.",
    "channel.push": "Веб-push",
    "channel.realtime": "В приложении (в реальном времени)",
    "channel.email": "Email",
    "channel.sms": "SMS",
    "channel.mattermost": "Mattermost",
  },
});

const formatters = new Map();
function formatter(kind, options) {
  const key = `${intlLocale()}|${kind}`;
  if (!formatters.has(key)) formatters.set(key, kind === "number" ? new Intl.NumberFormat(intlLocale(), options) : new Intl.DateTimeFormat(intlLocale(), options));
  return formatters.get(key);
}

/** A date and time (ISO string or epoch ms) in the UI's language; the second argument is kept for old callers. */
export function fmtTime(value, _lang) {
  if (value === null || value === undefined || value === "") return "—";
  return formatter("time", { dateStyle: "short", timeStyle: "short" }).format(new Date(value));
}

/** A time of day alone (chart ticks within one day), in the same style as fmtTime's time part. */
export function fmtClock(value) {
  return formatter("clock", { timeStyle: "short" }).format(new Date(value));
}

export function fmtNumber(n, _lang) {
  return formatter("number").format(Number(n ?? 0));
}

/** Titles the server declared for its channels (from /v1/stats), used where the UI has no word of its own. */
const declaredTitles = new Map();
export function rememberChannels(configured) {
  for (const c of configured ?? []) declaredTitles.set(c.id, c.title);
}

/** A channel's name for people: the UI's own word in Russian, the declared title, else its id. */
export function channelName(id) {
  const own = t(`channel.${id}`);
  if (own !== `channel.${id}`) return own;
  return declaredTitles.get(id) ?? id;
}

const STATUS_CLASS = { sent: "ok", delivered: "ok", failed: "bad", dead: "bad", pending: "", waiting: "", cancelled: "" };
/** A delivery status as a coloured badge in the UI's language; `data-status` keeps the machine value. */
export function statusBadge(status) {
  const cls = STATUS_CLASS[status] ? `.${STATUS_CLASS[status]}` : "";
  const text = t(`status.${status}`);
  return h(`span.badge${cls}`, { dataset: { status } }, text === `status.${status}` ? status : text);
}

/** Erased subscribers keep their history under a pseudonym (erasure.ts); it has no page to open. */
const ERASED = "~erased-";

/** A link to a subscriber's page, or a plain "erased subscriber" where there is no page any more. */
export function subscriberLink(id) {
  if (id.startsWith(ERASED)) return h("span.muted", { title: id, dataset: { erased: "true" } }, t("subscriber.erased"));
  return h("a", { href: `#/subscribers/${encodeURIComponent(id)}` }, id);
}
