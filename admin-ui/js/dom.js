// A tiny DOM helper: every text goes through textContent, so nothing from the server becomes markup.

/** h("button#save.primary", {onclick}, "Save") → an element; children may be strings, nodes, arrays or null. */
export function h(tag, props, ...children) {
  const name = /^[a-z0-9-]*/i.exec(tag)[0];
  const el = document.createElement(name || "div");
  const classes = [];
  for (const [, kind, value] of tag.slice(name.length).matchAll(/([.#])([^.#]+)/g)) {
    if (kind === "#") el.id = value;
    else classes.push(value);
  }
  if (classes.length) el.className = classes.join(" ");
  if (props && (typeof props !== "object" || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key in el && key !== "list" && key !== "form") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export { fmtNumber, fmtTime } from "./format.js";

/** Parses JSON typed into a textarea, answering {value} or {error}. */
export function parseJson(text, fallback = {}) {
  if (!text.trim()) return { value: fallback };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: error.message };
  }
}

let toastTimer;
/** A short message at the bottom of the screen. */
export function toast(text) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 2500);
}

/** A problem document's field errors as a list (or its detail). */
export function problemBox(error) {
  if (!error) return null;
  const errors = error.errors ?? [];
  return h("div.errors", h("strong", error.problem?.title ?? error.message), errors.length ? h("ul", errors.map((e) => h("li", `${e.path}: ${e.message}`))) : h("div", error.message));
}
