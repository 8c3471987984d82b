import { generatedPasswordSetup, login, logout, resume, setLoggedOutHandler, ApiError } from "./api.js";
import { h, mount } from "./dom.js";
import { currentLang, setLang, t } from "./i18n.js";
import { dashboardView } from "./views/dashboard.js";
import { subscribersView, subscriberView } from "./views/subscribers.js";
import { templatesView, templateEditor } from "./views/templates.js";
import { rulesView } from "./views/rules.js";
import { broadcastsView } from "./views/broadcasts.js";
import { eventStory, eventsView } from "./views/events.js";
import { webhooksView } from "./views/webhooks.js";

const view = document.getElementById("view");
const top = document.getElementById("top");
const nav = document.getElementById("nav");
let loggedIn = false;
/** Set by the current view: called before the next one mounts (stops its timers). */
let cleanup = () => {};
/** Set by a view with edits of its own: false while they are unsaved, so leaving asks first. */
let canLeave = () => true;
/** The hash the current view was drawn for, to go back to when leaving is refused. */
let shownHash = location.hash;

const routes = [
  [/^dashboard$/, () => dashboardView()],
  [/^subscribers$/, () => subscribersView()],
  [/^subscribers\/(.+)$/, (m) => subscriberView(decodeURIComponent(m[1]))],
  [/^templates$/, () => templatesView()],
  [/^templates\/(.+)$/, (m) => templateEditor(decodeURIComponent(m[1]))],
  [/^rules$/, () => rulesView()],
  [/^broadcasts$/, () => broadcastsView()],
  [/^events$/, () => eventsView()],
  [/^events\/(.+)$/, (m) => eventStory(decodeURIComponent(m[1]))],
  [/^webhooks$/, () => webhooksView()],
];

function renderNav(active) {
  mount(
    nav,
    ["dashboard", "events", "subscribers", "templates", "rules", "broadcasts", "webhooks"].map((name) =>
      h("a", { href: `#/${name}`, className: active.startsWith(name) ? "active" : "", dataset: { nav: name } }, t(`nav.${name}`)),
    ),
  );
  document.getElementById("logout").textContent = t("nav.logout");
  document.title = t("app.title");
}

async function route() {
  if (location.hash !== shownHash && !canLeave() && !confirm(t("common.unsaved"))) {
    // Stay: put the address back without drawing again (the next hashchange sees the same hash).
    history.replaceState(null, "", shownHash || "#/dashboard");
    return;
  }
  shownHash = location.hash;
  canLeave = () => true;
  cleanup();
  cleanup = () => {};
  if (!loggedIn) return showLogin();
  const path = location.hash.replace(/^#\/?/, "") || "dashboard";
  renderNav(path);
  top.hidden = false;
  const found = routes.find(([re]) => re.test(path));
  if (!found) return (location.hash = "#/dashboard");
  mount(view, h("p.muted", t("common.loading")));
  try {
    const result = await found[1](path.match(found[0]));
    mount(view, result.el);
    cleanup = result.cleanup ?? (() => {});
    canLeave = result.canLeave ?? (() => true);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    mount(view, h("div.errors", `${t("common.error")}: ${error.message}`));
  }
}

function showLogin() {
  top.hidden = true;
  document.title = t("app.title");
  const password = h("input#password", { type: "password", autocomplete: "current-password", required: true, autofocus: true });
  const message = h("div.error#login-error", { role: "alert" });
  const submit = h("button.primary#login-submit", { type: "submit" }, t("login.submit"));
  // No HERALD_ADMIN_PASSWORD: the generated one was shown once; say where, and how to set one instead.
  const setup = generatedPasswordSetup();
  const form = h(
    "form.panel.login#login",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        message.textContent = "";
        try {
          await login(password.value);
          loggedIn = true;
          if (!location.hash || location.hash === "#/login") location.hash = "#/dashboard";
          else route();
        } catch (error) {
          const retry = error.status === 429 ? /(\d+)/.exec(error.message)?.[1] : null;
          message.textContent = error.status === 429 ? t("login.limited", { s: retry ?? "?" }) : error.status === 401 ? t("login.wrong") : error.message;
          password.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", t("login.title")),
    setup ? h("div.errors#login-setup", { role: "status" }, t("login.generated", { shownIn: setup.shownIn, setWith: setup.setWith })) : null,
    h("label", { htmlFor: "password" }, t("login.password")),
    password,
    message,
    h("div.row", { style: { marginTop: "12px", justifyContent: "space-between" } }, submit, langPicker()),
    h("p.muted", { style: { fontSize: "13px" } }, t("login.hint")),
  );
  mount(view, form);
  password.focus();
}

function langPicker() {
  const select = h("select#login-lang", { "aria-label": "Language", onchange: () => changeLang(select.value) }, h("option", { value: "en" }, "English"), h("option", { value: "ru" }, "Русский"));
  select.value = currentLang();
  return select;
}

function changeLang(lang) {
  setLang(lang);
  document.getElementById("lang").value = lang;
  route();
}

setLoggedOutHandler(() => {
  if (!loggedIn) return;
  loggedIn = false;
  route();
});
document.getElementById("lang").value = currentLang();
document.getElementById("lang").addEventListener("change", (e) => changeLang(e.target.value));
document.getElementById("logout").addEventListener("click", async () => {
  await logout().catch(() => {});
  loggedIn = false;
  location.hash = "";
  route();
});
window.addEventListener("hashchange", route);
// Closing the tab or reloading with unsaved edits: the browser's own question.
window.addEventListener("beforeunload", (e) => {
  if (loggedIn && !canLeave()) e.preventDefault();
});

loggedIn = await resume();
route();
