// Shared bits of the demo pages: language, the server API key (this tab only), API calls, DOM.

const STRINGS = {
  en: {
    demo: "Herald demo",
    back: "← Demo",
    intro: "Two small pages on Herald's real-time inbox, built with the browser SDK at /sdk/herald.js.",
    inboxCard: "Live notifications and an unread badge, fed by the events a shop posts.",
    chatCard: "A customer and an operator in one room: typing, delivery and read ticks, system messages.",
    apiKey: "Server API key",
    keyNote: "Kept in this tab only (sessionStorage). The pages use it to create subscribers, tokens, a template and a rule through the API.",
    start: "Start",
    inboxTitle: "Order status",
    shop: "The shop (server side) posts",
    secondTab: "Open this inbox in a second tab",
    notifications: "Notifications",
    markAllRead: "Mark all read",
    empty: "Nothing yet. Press a status above.",
    accepted: "Accepted",
    assembling: "Assembling",
    courier: "Courier",
    delivered: "Delivered",
    chatTitle: "Support chat",
    ticket: "Ticket",
    customer: "Customer",
    operator: "Operator",
    serverEvents: "Server events",
    operatorJoins: "Operator joins",
    closeTicket: "Close ticket",
    reopenTicket: "Reopen ticket",
    typeMessage: "Message…",
    send: "Send",
    typing: "{name} is typing…",
    someone: "Someone",
    open: "online",
    connecting: "connecting…",
    reconnecting: "reconnecting…",
    offline: "offline",
    customerName: "Kate",
    operatorName: "Artyom",
    courierName: "Almaz",
    needKey: "Enter the server API key first.",
    sending: "sending",
    sent: "sent",
    deliveredTick: "delivered",
    read: "read",
    failed: "not sent",
  },
  ru: {
    demo: "Демо Herald",
    back: "← Демо",
    intro: "Две небольшие страницы о входящих Herald в реальном времени, на браузерном SDK /sdk/herald.js.",
    inboxCard: "Уведомления вживую и счётчик непрочитанных по событиям, которые отправляет магазин.",
    chatCard: "Клиент и оператор в одной комнате: «печатает…», галочки доставки и прочтения, системные сообщения.",
    apiKey: "API-ключ сервера",
    keyNote: "Хранится только в этой вкладке (sessionStorage). Страницы создают через API подписчиков, токены, шаблон и правило.",
    start: "Начать",
    inboxTitle: "Статус заказа",
    shop: "Магазин (сервер) отправляет",
    secondTab: "Открыть эти входящие во второй вкладке",
    notifications: "Уведомления",
    markAllRead: "Прочитать все",
    empty: "Пока пусто. Нажмите статус выше.",
    accepted: "Принят",
    assembling: "Сборка",
    courier: "Курьер",
    delivered: "Доставлен",
    chatTitle: "Чат поддержки",
    ticket: "Обращение",
    customer: "Клиент",
    operator: "Оператор",
    serverEvents: "События сервера",
    operatorJoins: "Оператор подключился",
    closeTicket: "Закрыть обращение",
    reopenTicket: "Открыть снова",
    typeMessage: "Сообщение…",
    send: "Отправить",
    typing: "{name} печатает…",
    someone: "Кто-то",
    open: "в сети",
    connecting: "подключение…",
    reconnecting: "переподключение…",
    offline: "не в сети",
    customerName: "Катя",
    operatorName: "Артём",
    courierName: "Алмаз",
    needKey: "Сначала введите API-ключ сервера.",
    sending: "отправляется",
    sent: "отправлено",
    deliveredTick: "доставлено",
    read: "прочитано",
    failed: "не отправлено",
  },
};

/** Settings passed in the URL fragment (never sent to the server): token, topic, lang, transports, poll. */
export const params = new URLSearchParams(location.hash.slice(1));

export const lang = (params.get("lang") ?? localStorage.getItem("herald.lang") ?? navigator.language).startsWith("ru") ? "ru" : "en";
document.documentElement.lang = lang;

export const t = (key, vars = {}) => (STRINGS[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");

/** Fills elements marked `data-t` (text) and `data-t-placeholder`, and wires the language switch. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll("[data-lang]")) {
    el.hidden = el.dataset.lang === lang;
    el.onclick = () => {
      localStorage.setItem("herald.lang", el.dataset.lang);
      params.delete("lang");
      location.hash = params.toString();
      location.reload();
    };
  }
}

/** `h("li", {class: "x"}, "text", child)`: a tiny element builder. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v != null && v !== false) k.startsWith("on") ? (el[k] = v) : el.setAttribute(k, v);
  el.append(...children.flat().filter((c) => c != null));
  return el;
}

export const time = (iso) => new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });

/** SDK options chosen in the fragment, e.g. `#transports=sse,poll&poll=2000` to try the fallbacks. */
export function sdkOptions(token) {
  const options = { url: "", token };
  if (params.get("transports")) options.transports = params.get("transports").split(",");
  if (params.get("poll")) options.pollInterval = Number(params.get("poll"));
  return options;
}

/** Binds an input to the API key kept in this tab. */
export function keyField(input) {
  input.value = sessionStorage.getItem("herald.apiKey") ?? "";
  input.oninput = () => sessionStorage.setItem("herald.apiKey", input.value.trim());
}

export const hasKey = () => Boolean(sessionStorage.getItem("herald.apiKey"));

/** A server API call with the key from this tab; throws with the problem's detail on failure. */
export async function api(method, path, body) {
  const key = sessionStorage.getItem("herald.apiKey");
  if (!key) throw new Error(t("needKey"));
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${data?.detail ?? data?.title ?? ""}`);
  return data;
}

/** Shows the SDK's connection state in `el`, e.g. "online · ws". */
export function showState(herald, el) {
  const paint = ({ state, transport }) => {
    el.textContent = `${t(state)}${transport ? ` · ${transport}` : ""}`;
    el.dataset.state = state;
    el.dataset.transport = transport ?? "";
  };
  paint(herald);
  herald.on("state", paint);
}
