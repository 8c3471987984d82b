/**
 * <herald-chat room="ticket:77">: one room of Herald's two-way messaging, for a support chat on a
 * shop's own site, on the same foundation as <herald-inbox>:
 *
 *   <script type="module" src="https://notify.shop.example/sdk/herald-chat.js"></script>
 *   <herald-chat url="https://notify.shop.example" token="…" room="ticket:77"></herald-chat>
 *
 * The room's history and live messages, typing, delivered and read ticks (stored by Herald, so a
 * reload shows them again), and the SDK's outbox: a message written while Herald cannot be reached
 * shows as waiting, survives a reload, and is sent once when the connection is back (Retry sends it
 * at once; a refused one can be retried or removed). Messages from others are marked read while the
 * page is visible. Attributes and token renewal as <herald-inbox>; theme with `--herald-*`.
 */
import { h, HeraldElement } from "./element-base.js";
import { STRINGS, STYLE } from "./chat-look.js";

const TICKS = { pending: "◔", sending: "○", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };

export class HeraldChat extends HeraldElement {
  static strings = STRINGS;
  static observedAttributes = [...HeraldElement.observedAttributes, "room"];

  get room() {
    return this.getAttribute("room") ?? "";
  }

  setup() {
    this.rows = new Map();
    this.reading = new Set();
    const herald = this.herald;
    this._off.push(
      herald.on("message", (m) => m.topic === this.room && this._show(m)),
      herald.on("typing", (e) => e.topic === this.room && this._typing(e)),
      // A room that could not be loaded (Herald was down) loads once the connection is back.
      herald.on("state", ({ state }) => (state === "open" && !this.loaded && !this._joining ? this._join() : this._status())),
    );
    this._visible = () => document.visibilityState === "visible" && herald.messages(this.room).forEach((m) => this._read(m));
    document.addEventListener("visibilitychange", this._visible);
    this.render();
    herald.connect();
    this._join();
  }

  teardown() {
    document.removeEventListener("visibilitychange", this._visible);
    this.herald?.leave(this.room);
  }

  attributeChangedCallback(name, old, value) {
    super.attributeChangedCallback(name, old, value);
    if (name === "room" && this.herald && old !== value) (this.herald.leave(old), this.render(), this._join());
  }

  _join() {
    this.loaded = false;
    this._joining = true;
    this.herald
      .join(this.room)
      .then(
        () => (this.loaded = true),
        () => {},
      )
      .finally(() => ((this._joining = false), this._status()));
  }

  render() {
    this.rows.clear();
    const input = h("input", { id: "text", autocomplete: "off", enterkeyhint: "send", placeholder: this.t("message") });
    input.addEventListener("input", () => input.value && this.herald.typing(this.room));
    const form = h("form", {}, h("label", { for: "text", class: "sr" }, this.t("message")), input, h("button", { class: "sendb" }, this.t("send")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const body = input.value.trim();
      if (!body) return;
      input.value = "";
      // The outcome shows on the message itself (its tick, and Retry when it waits or was refused).
      this.herald.send(this.room, body).catch(() => {});
    });
    this.shadowRoot.replaceChildren(
      h("style", {}, STYLE),
      (this.status = h("p", { class: "status", role: "status" })),
      (this.scroller = h("div", { class: "log", role: "log", "aria-label": this.t("title") }, (this.log = h("ol", { class: "msgs" })))),
      (this.typingEl = h("p", { class: "typing", "aria-live": "polite" })),
      form,
    );
    for (const m of this.herald.messages(this.room)) this._show(m);
    this._status();
  }

  _status() {
    if (!this.status) return;
    const offline = this.herald.state !== "open" && this.herald.state !== "connecting";
    this.status.textContent = offline ? this.t("offline") : !this.loaded ? this.t("loading") : this.rows.size === 0 ? this.t("empty") : "";
    this.status.hidden = !this.status.textContent;
  }

  /** A message appeared or changed: its row is replaced in place, in the SDK's order. */
  _show(m) {
    const old = this.rows.get(m.key);
    if (m.discarded) return old?.remove(), this.rows.delete(m.key), this._status();
    const own = m.status !== undefined;
    const actions =
      m.status === "pending" || m.status === "failed"
        ? h(
            "div",
            { class: "msg-actions" },
            h("button", { type: "button", onclick: () => this.herald.retry(m.key) }, this.t("retry")),
            m.status === "failed" ? h("button", { type: "button", onclick: () => this.herald.discard(m.key) }, this.t("discard")) : null,
          )
        : null;
    const li = m.sender?.system
      ? h("li", { class: "msg system", "data-key": m.key }, m.body)
      : h(
          "li",
          { class: own ? "msg own" : "msg", "data-key": m.key, "data-status": m.status },
          h("span", { class: own ? "who sr" : "who" }, own ? this.t("you") : (m.sender?.name ?? this.t("someone"))),
          h("span", { class: "body" }, m.body),
          h(
            "span",
            { class: "meta" },
            h("time", { datetime: m.createdAt }, this.when(m.createdAt)),
            own ? h("span", { class: `tick ${m.status}`, title: this.t(m.status) }, " ", h("span", { "aria-hidden": "true" }, TICKS[m.status] ?? ""), h("span", { class: "sr" }, this.t(m.status))) : null,
          ),
          actions,
        );
    const list = this.herald.messages(this.room);
    const next = list.slice(list.findIndex((x) => x.key === m.key) + 1).map((x) => this.rows.get(x.key)).find((x) => x && x !== old);
    this.rows.set(m.key, li);
    old?.remove();
    const box = this.scroller;
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    this.log.insertBefore(li, next ?? null);
    if (atEnd || own) box.scrollTop = box.scrollHeight;
    if (!own) this.typingEl.textContent = "";
    this._read(m);
    this._status();
  }

  /** Read when a person can see it: another member's message, shown on a visible page. */
  _read(m) {
    if (m.status !== undefined || !m.id || m.readAt || this.reading.has(m.id) || document.visibilityState !== "visible") return;
    this.reading.add(m.id);
    this.herald.markRead(m.id).catch(() => this.reading.delete(m.id));
  }

  _typing(event) {
    this.typingEl.textContent = this.t("typing", { name: event.subscriber.name ?? this.t("someone") });
    clearTimeout(this._typed);
    this._typed = setTimeout(() => (this.typingEl.textContent = ""), 3000);
  }
}

if (globalThis.customElements && !customElements.get("herald-chat")) customElements.define("herald-chat", HeraldChat);
