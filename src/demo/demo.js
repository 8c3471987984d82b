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
    pending: "waiting for the connection",
    retry: "Retry",
    newTicket: "New ticket",
    removeDemo: "Remove the demo",
    demoRemoved: "Removed: {rules} rules, {templates} templates, {subscribers} subscribers, {rooms} rooms.",
    welcomeTitle: "Herald is running",
    keyTitle: "Your API key",
    keyWhere: "Herald printed it once, at its first start (\"Herald API key (shown once…)\"); or it is your HERALD_API_KEY.",
    sendTitle: "Send your first event",
    sendNote: "Run these in a terminal: a subscriber, an in-app template, a rule, then an event. With the key typed in above, they are ready to paste.",
    copy: "Copy",
    watchTitle: "Watch it arrive",
    watching: "Subscriber",
    watchNeedsKey: "Type in the API key to watch this subscriber's in-app inbox here, live.",
    watchWaiting: "Waiting for {who} to exist: run the first command.",
    watchLive: "{who}'s inbox, live (the bell in the header is the same inbox as a shop would embed it).",
    arrivedHere: "✓ delivered to this page",
    nextTitle: "Next",
    nextChannels: "More channels: set MATTERMOST_WEBHOOK_URL, EMAIL_FROM with SMTP_URL, or TWILIO_* and restart; then add a step such as {\"channel\":\"mattermost\",\"template\":\"order-status\"} and that channel's content to the template (README: A first event).",
    nextEmbed: "On your own site: <herald-inbox> from /sdk/herald-inbox.js, with your site in HERALD_ALLOWED_ORIGINS (README: Inside your site).",
    nextDemo: "The demo: order statuses and a support chat",
    nextAdmin: "The admin UI",
    demoTitle: "The demo's data",
    demoNote: "The demo pages create only demo- rules, templates and subscribers and ticket:demo- rooms, and its rules reach demo subscribers only. Remove all of it here.",
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
    pending: "ждёт связи",
    retry: "Повторить",
    newTicket: "Новое обращение",
    removeDemo: "Удалить демо",
    demoRemoved: "Удалено: правил {rules}, шаблонов {templates}, подписчиков {subscribers}, комнат {rooms}.",
    welcomeTitle: "Herald работает",
    keyTitle: "Ваш API-ключ",
    keyWhere: "Herald показал его один раз, при первом запуске («Herald API key (shown once…)»); или это ваш HERALD_API_KEY.",
    sendTitle: "Отправьте первое событие",
    sendNote: "Выполните в терминале: подписчик, шаблон для входящих, правило и событие. Если ключ введён выше, команды готовы к вставке.",
    copy: "Копировать",
    watchTitle: "Смотрите, как оно приходит",
    watching: "Подписчик",
    watchNeedsKey: "Введите API-ключ, чтобы видеть входящие этого подписчика здесь, вживую.",
    watchWaiting: "Ждём, пока появится {who}: выполните первую команду.",
    watchLive: "Входящие {who} вживую (колокольчик в шапке — те же входящие, как их встроит магазин).",
    arrivedHere: "✓ доставлено на эту страницу",
    nextTitle: "Дальше",
    nextChannels: "Другие каналы: задайте MATTERMOST_WEBHOOK_URL, EMAIL_FROM и SMTP_URL или TWILIO_* и перезапустите; затем добавьте шаг вроде {\"channel\":\"mattermost\",\"template\":\"order-status\"} и содержимое для этого канала в шаблон (README: A first event).",
    nextEmbed: "На своём сайте: <herald-inbox> из /sdk/herald-inbox.js, ваш сайт — в HERALD_ALLOWED_ORIGINS (README: Inside your site).",
    nextDemo: "Демо: статусы заказа и чат поддержки",
    nextAdmin: "Панель администратора",
    demoTitle: "Данные демо",
    demoNote: "Демо создаёт только правила, шаблоны и подписчиков demo- и комнаты ticket:demo-, а его правила касаются только демо-подписчиков. Удалить всё это можно здесь.",
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
