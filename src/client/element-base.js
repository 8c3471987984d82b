/**
 * What Herald's custom elements share: the `url`, `token` and `locale` attributes, one Herald
 * client per Herald and token on the page (an inbox and a chat share a connection), token renewal,
 * the language, and a tiny DOM builder. Dependency-free, like the SDK it is served beside.
 */
import { Herald } from "./herald.js";

/** The base class, or a stand-in where there is no DOM (importing the package in Node must not throw). */
export const Base = globalThis.HTMLElement ?? class {};

const clients = new Map();

/** The client for this Herald and token, made once per page and connected on first use. */
function clientFor(url, token, getToken) {
  const key = `${url}\n${token ?? ""}`;
  let entry = clients.get(key);
  if (!entry) clients.set(key, (entry = { herald: new Herald({ url, token, ...(getToken && !token ? { getToken } : {}) }), users: 0 }));
  entry.users++;
  return { herald: entry.herald, release: () => --entry.users === 0 && (entry.herald.close(), clients.delete(key)) };
}

/** `h("button", {class: "x", onclick}, "text", child)`: attributes, `on…` handlers, children (strings become text, never HTML). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

/** Only web links may be opened from a notification (never `javascript:` and the like). */
export const safeUrl = (url) => {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
};

/**
 * A Herald element: reads `url`, `token` and `locale`, connects when attached, follows a new token
 * (attribute or property) without losing its place, and tells the page when the token is refused
 * (`herald-token-expired`, bubbling out of the shadow root) so it can set a fresh one. A `getToken`
 * property is called instead whenever a token is needed.
 */
export class HeraldElement extends Base {
  static observedAttributes = ["url", "token", "locale"];

  /** Strings by language (en, ru); subclasses fill it. */
  static strings = { en: {}, ru: {} };

  connectedCallback() {
    if (this.herald) return;
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    const { herald, release } = clientFor(this.getAttribute("url") ?? "", this.token, this.getToken);
    this.herald = herald;
    this._release = release;
    this._off = [herald.on("error", (error) => error.status === 401 && this.dispatchEvent(new CustomEvent("herald-token-expired", { bubbles: true, composed: true, detail: error })))];
    this.lang = this._lang();
    this.setup();
    herald.profile().then(
      (me) => !this.getAttribute("locale") && me.locale && this._relang(me.locale),
      () => {},
    );
  }

  disconnectedCallback() {
    this._off?.forEach((off) => off());
    this.teardown?.();
    this._release?.();
    this.herald = undefined;
  }

  attributeChangedCallback(name, old, value) {
    if (!this.herald || old === value) return;
    if (name === "token" && value) this.herald.setToken(value);
    if (name === "locale") this._relang(value);
  }

  get token() {
    return this._token ?? this.getAttribute("token") ?? undefined;
  }

  /** A fresh token: used from the next request on; a connection that is down retries with it at once. */
  set token(value) {
    this._token = value;
    this.herald?.setToken(value);
  }

  _lang(preferred) {
    const wanted = this.getAttribute("locale") || preferred || document.documentElement.lang || navigator.language || "en";
    return wanted.toLowerCase().startsWith("ru") ? "ru" : "en";
  }

  _relang(preferred) {
    const lang = this._lang(preferred);
    if (lang === this.lang) return;
    this.lang = lang;
    this.render?.();
  }

  /** The string for `key` in the element's language, `{name}` placeholders filled. */
  t(key, vars = {}) {
    const table = this.constructor.strings;
    return (table[this.lang]?.[key] ?? table.en[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
  }

  /** A time as "5 min ago" (recent) or a date, in the element's language. */
  when(iso) {
    const seconds = (Date.parse(iso) - Date.now()) / 1000;
    if (Math.abs(seconds) < 45) return this.t("now");
    const rtf = new Intl.RelativeTimeFormat(this.lang, { numeric: "auto", style: "short" });
    for (const [unit, size] of [["minute", 60], ["hour", 3600], ["day", 86400]]) {
      const n = Math.round(seconds / size);
      if (Math.abs(n) < (unit === "minute" ? 60 : unit === "hour" ? 24 : 7)) return rtf.format(n, unit);
    }
    return new Date(iso).toLocaleDateString(this.lang, { day: "numeric", month: "short" });
  }
}
