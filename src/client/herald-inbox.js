/**
 * <herald-inbox>: a bell with the unread badge and a popover with the subscriber's notifications,
 * live, and their preferences. One script tag and one element:
 *
 *   <script type="module" src="https://notify.shop.example/sdk/herald-inbox.js"></script>
 *   <herald-inbox url="https://notify.shop.example" token="…"></herald-inbox>
 *
 * Attributes: `url` (Herald; the page's origin must be in HERALD_ALLOWED_ORIGINS), `token` (a
 * subscriber token; set the attribute or the `token` property again to renew it, or give a
 * `getToken` property), `locale` (`en`, `ru`; default: the subscriber's, else the page's).
 * Events (bubbling out of the shadow root): `herald-open` and `herald-action` (cancelable: the
 * default opens the item's or button's link), `herald-token-expired`. Theme: the `--herald-*`
 * custom properties (./inbox-look.js), and the parts `bell`, `badge`, `panel`. A `labels`
 * property (`{email: "E-mail", promotions: "Deals"}`) names channels and categories.
 */
import { h, HeraldElement, safeUrl } from "./element-base.js";
import { STRINGS, STYLE } from "./inbox-look.js";

const PAGE = 20;
const BELL = "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z";

export class HeraldInbox extends HeraldElement {
  static strings = STRINGS;

  setup() {
    this.items = new Map();
    this.rows = new Map();
    this.seen = new Set();
    this.next = undefined;
    this.head = 0;
    this.loaded = false;
    this.tab = "inbox";
    const herald = this.herald;
    this._off.push(
      herald.on("notification", (n) => this._live(n)),
      herald.on("counts", () => this._badge()),
      herald.on("state", () => (this.loaded ? this._status() : herald.state === "open" && this._load())),
      herald.on("update", (state) => this._updated(state)),
    );
    this._outside = (e) => this.open && !e.composedPath().includes(this) && this.close(false);
    // Escape closes from wherever focus is (the panel, or the page when focus fell back to it).
    this._escape = (e) => e.key === "Escape" && this.open && this.close();
    document.addEventListener("pointerdown", this._outside);
    document.addEventListener("keydown", this._escape);
    this.render();
    this._load();
  }

  teardown() {
    document.removeEventListener("pointerdown", this._outside);
    document.removeEventListener("keydown", this._escape);
    this._io?.disconnect();
  }

  /** The skeleton; lists and switches are filled in as data arrives. Called again when the language changes. */
  render() {
    const root = this.shadowRoot;
    this.rows.clear();
    this._io?.disconnect();
    const tab = (id, label) =>
      h("button", { role: "tab", id: `tab-${id}`, "aria-controls": `${id}-panel`, "aria-selected": String(this.tab === id), tabindex: this.tab === id ? "0" : "-1", onclick: () => this._select(id) }, label);
    root.replaceChildren(
      h("style", {}, STYLE),
      (this.bell = h(
        "button",
        { part: "bell", class: "bell", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "panel", onclick: () => (this.open ? this.close() : this.show()) },
        svg(BELL),
        (this.badgeEl = h("span", { part: "badge", class: "badge", "aria-hidden": "true", hidden: true })),
      )),
      (this.panel = h(
        "div",
        { part: "panel", id: "panel", class: "panel", role: "dialog", "aria-label": this.t("title"), hidden: true, onkeydown: (e) => this._key(e) },
        h("div", { class: "head" }, h("div", { role: "tablist", "aria-label": this.t("title") }, tab("inbox", this.t("notifications")), tab("prefs", this.t("preferences")))),
        (this.status = h("p", { class: "status", role: "status" })),
        h(
          "div",
          { id: "inbox-panel", role: "tabpanel", "aria-labelledby": "tab-inbox", hidden: this.tab !== "inbox" },
          h("div", { class: "tools" }, (this.readAll = h("button", { class: "link", onclick: () => this._readAll() }, this.t("markAllRead")))),
          (this.list = h("ul", { class: "items", "aria-label": this.t("notifications") })),
          (this.empty = h("p", { class: "empty", hidden: true }, this.t("empty"))),
          (this.more = h("button", { class: "more link", hidden: true, onclick: () => this._load() }, this.t("more"))),
        ),
        (this.prefs = h("div", { id: "prefs-panel", role: "tabpanel", "aria-labelledby": "tab-prefs", hidden: this.tab !== "prefs" })),
      )),
    );
    // Seen when shown: an item counts as seen once it is on screen in the open popover; the end of
    // the list loads the next page when it scrolls into view.
    this._io = globalThis.IntersectionObserver
      ? new IntersectionObserver((entries) => entries.forEach((e) => e.isIntersecting && this.open && (e.target === this.more ? this._load() : this._seen(e.target.dataset.id))), { root: this.list.parentElement })
      : undefined;
    this._io?.observe(this.more);
    for (const item of this.items.values()) this._row(item, false);
    this._badge();
    this._status();
    if (this.tab === "prefs") this._prefs();
  }

  get open() {
    return this.panel && !this.panel.hidden;
  }

  show() {
    this.panel.hidden = false;
    this.bell.setAttribute("aria-expanded", "true");
    this.shadowRoot.getElementById(`tab-${this.tab}`).focus();
  }

  /** Closes the popover; focus goes back to the bell if it was inside (or lost), not on a click elsewhere. */
  close(refocus = true) {
    if (!this.open) return;
    const inside = refocus && (this.shadowRoot.activeElement || document.activeElement === document.body);
    this.panel.hidden = true;
    this.bell.setAttribute("aria-expanded", "false");
    if (inside) this.bell.focus();
  }

  _key(e) {
    if (e.key === "Escape") return this.close();
    if (e.target.getAttribute("role") === "tab" && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
      this._select(this.tab === "inbox" ? "prefs" : "inbox");
      this.shadowRoot.getElementById(`tab-${this.tab}`).focus();
    }
  }

  _select(tab) {
    this.tab = tab;
    for (const id of ["inbox", "prefs"]) {
      const button = this.shadowRoot.getElementById(`tab-${id}`);
      button.setAttribute("aria-selected", String(id === tab));
      button.tabIndex = id === tab ? 0 : -1;
      this.shadowRoot.getElementById(`${id}-panel`).hidden = id !== tab;
    }
    if (tab === "prefs") this._prefs();
  }

  /** The next page back (the first one also tells where the live stream picks up). */
  async _load() {
    if (this._loading || this.next === null) return;
    this._loading = true;
    this._status();
    try {
      const page = await this.herald.notifications.list({ before: this.next ?? "latest", limit: PAGE, archived: false });
      if (!this.loaded) {
        this.head = page.head;
        // Live items start after the page: nothing twice, nothing archived replayed.
        if (this.herald.state === "offline") this.herald.cursor = Math.max(this.herald.cursor, page.head);
      }
      for (const item of page.items) if (!this.items.has(item.id)) this._row(item, false);
      this.next = page.next;
      this.loaded = true;
      this.failed = false;
    } catch (error) {
      this.failed = error;
    } finally {
      this._loading = false;
    }
    if (this.herald.state === "offline") this.herald.connect();
    this._status();
    // A short first page may not fill the popover: the observer sees the end still in view.
    if (this.next !== null && this.loaded && this._io) (this._io.unobserve(this.more), this._io.observe(this.more));
  }

  /** A notification that arrived live (items up to the first page's head came with the pages). */
  _live(item) {
    if (!this.loaded || item.seq <= this.head || this.items.has(item.id)) return;
    this._row(item, true);
    this._status();
    if (this.open) this.announce(this.t("arrived", { title: item.title ?? "" }));
  }

  _row(item, newest) {
    this.items.set(item.id, item);
    const title = item.title ?? "";
    const li = h(
      "li",
      { class: "item", "data-id": item.id },
      h(
        "button",
        { class: "open", onclick: () => this._open(item) },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("span", { class: "text" }, h("strong", {}, title), item.body ? h("span", { class: "body" }, item.body) : null, h("time", { datetime: item.createdAt }, this.when(item.createdAt))),
        h("span", { class: "sr" }, ""),
      ),
      item.actions?.length ? h("div", { class: "actions" }, item.actions.map((a) => h("button", { class: "action", onclick: () => this._action(item, a) }, a.title))) : null,
      h("button", { class: "archive", "aria-label": this.t("archive", { title }), title: this.t("archiveShort"), onclick: () => this._archive(item) }, "×"),
    );
    const old = this.rows.get(item.id);
    if (old) old.replaceWith(li);
    else if (newest) this.list.prepend(li);
    else this.list.append(li);
    this.rows.set(item.id, li);
    this._paint(item);
    this._io?.observe(li);
  }

  /** Unread look and the screen-reader word for it. */
  _paint(item) {
    const li = this.rows.get(item.id);
    if (!li) return;
    li.classList.toggle("unread", !item.readAt);
    li.querySelector(".sr").textContent = item.readAt ? "" : this.t("unread");
  }

  _updated(state) {
    const item = this.items.get(state.id);
    if (!item) return;
    Object.assign(item, state);
    if (state.archivedAt) this._remove(item.id);
    else this._paint(item);
  }

  _seen(id) {
    const item = this.items.get(id);
    if (!item || item.seenAt || this.seen.has(id)) return;
    this.seen.add(id);
    this.herald.notifications.markSeen(id).catch(() => this.seen.delete(id));
  }

  /** Read on click; the page may take over (`herald-open`), else the item's link opens. */
  _open(item) {
    if (!item.readAt) this.herald.notifications.markRead(item.id).catch((e) => this._fail(e));
    const go = this.dispatchEvent(new CustomEvent("herald-open", { bubbles: true, composed: true, cancelable: true, detail: { item } }));
    const url = item.url && safeUrl(item.url);
    if (go && url) location.assign(url);
  }

  _action(item, action) {
    this.herald.notifications.clicked(item.id, action.action).catch(() => {});
    if (!item.readAt) this.herald.notifications.markRead(item.id).catch((e) => this._fail(e));
    const go = this.dispatchEvent(new CustomEvent("herald-action", { bubbles: true, composed: true, cancelable: true, detail: { item, action: action.action } }));
    const url = action.url && safeUrl(action.url);
    if (go && url) location.assign(url);
  }

  async _archive(item) {
    // Focus moves on to the next item (or the previous), as it would in a list that closes a gap.
    const li = this.rows.get(item.id);
    const next = li?.nextElementSibling ?? li?.previousElementSibling;
    try {
      await this.herald.notifications.archive(item.id);
      this._remove(item.id);
      (next?.querySelector(".open") ?? this.readAll).focus();
      this.announce(this.t("archived"));
    } catch (error) {
      this._fail(error);
    }
  }

  _remove(id) {
    this.rows.get(id)?.remove();
    this.rows.delete(id);
    this.items.delete(id);
    this._status();
  }

  async _readAll() {
    try {
      const marked = await this.herald.notifications.markAllRead();
      const now = new Date().toISOString();
      for (const item of this.items.values()) (item.readAt ??= now), this._paint(item);
      this.announce(this.t("markedRead", { n: marked }));
    } catch (error) {
      this._fail(error);
    }
  }

  _badge() {
    const n = this.herald?.counts.notifications ?? 0;
    this.badgeEl.hidden = n === 0;
    this.badgeEl.textContent = n > 99 ? "99+" : String(n);
    this.bell.setAttribute("aria-label", n ? this.t("bellUnread", { n }) : this.t("bell"));
  }

  /** Loading, offline and empty states, and whether there is more to load. */
  _status() {
    const offline = this.herald.state !== "open" && (this.failed || this.loaded);
    this.status.textContent = offline ? this.t("offline") : !this.loaded ? this.t("loading") : "";
    this.status.hidden = !this.status.textContent;
    this.empty.hidden = !this.loaded || this.items.size > 0;
    this.more.hidden = !this.loaded || this.next === null;
    this.readAll.disabled = this.items.size === 0;
  }

  /** Says something to screen readers without moving focus (the status line is a live region). */
  announce(text) {
    this.status.hidden = false;
    this.status.textContent = text;
    clearTimeout(this._said);
    this._said = setTimeout(() => this._status(), 4000);
  }

  _fail(error) {
    this.announce(error.status ? this.t("failed") : this.t("offline"));
  }

  /** The preferences tab: a switch per channel and per category, saved as they are flipped. */
  async _prefs() {
    const box = this.prefs;
    box.replaceChildren(h("p", { class: "muted" }, this.t("loading")));
    let options;
    let prefs;
    try {
      [options, prefs] = await Promise.all([this.herald.preferences.options(), this.herald.preferences.get()]);
    } catch (error) {
      box.replaceChildren(h("p", { class: "muted" }, error.status ? this.t("failed") : this.t("offline")));
      return;
    }
    const group = (kind, list, current) =>
      list.length
        ? h(
            "fieldset",
            {},
            h("legend", {}, this.t(kind)),
            list.map((o) => {
              const input = h("input", { type: "checkbox", role: "switch", "data-kind": kind, value: o.id, checked: current?.[o.id] !== false });
              input.addEventListener("change", () => this._flip(input, kind, o.id));
              const known = this.t(`${kind}.${o.id}`);
              const label = this.labels?.[o.id] ?? (known === `${kind}.${o.id}` ? o.title : known);
              return h("label", { class: "switch" }, input, h("span", {}, label));
            }),
          )
        : null;
    box.replaceChildren(h("p", { class: "muted" }, this.t("prefsNote")), group("channels", options.channels, prefs.channels), group("categories", options.categories, prefs.categories));
  }

  async _flip(input, kind, id) {
    // Not disabled while saving: a disabled control drops keyboard focus. Patches are merges, so flips in a row are safe.
    try {
      // Off is stored; on removes the key (everything is allowed unless switched off).
      await this.herald.preferences.patch({ [kind]: { [id]: input.checked ? null : false } });
      this.announce(this.t("saved"));
    } catch (error) {
      input.checked = !input.checked;
      this._fail(error);
    }
  }
}

function svg(path) {
  const ns = "http://www.w3.org/2000/svg";
  const el = document.createElementNS(ns, "svg");
  el.setAttribute("viewBox", "0 0 24 24");
  el.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", path);
  p.setAttribute("fill", "currentColor");
  el.append(p);
  return el;
}

if (globalThis.customElements && !customElements.get("herald-inbox")) customElements.define("herald-inbox", HeraldInbox);
