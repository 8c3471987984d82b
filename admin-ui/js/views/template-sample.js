// Sample data for a template's preview: stored with the template (`sample`), else derived from the
// placeholders it uses, so a sale template is not previewed with an order's payload.
import { extend } from "../i18n.js";

extend({
  en: { "tpl.stale": "Out of date: the preview shows the last version that rendered. Fix the errors to update it." },
  ru: { "tpl.stale": "Устарело: показан последний вариант, который удалось отрисовать. Исправьте ошибки, чтобы обновить." },
});

// {{data.a.b}}, {{#each data.items}}, {{link data.url}}: every data path a placeholder names.
const DATA_PATH = /\{\{[^}]*?\bdata\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g;

function strings(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (value && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** `{order: "order", courier: "courier"}` for a template that says {{data.order}} and {{data.courier}}. */
export function derivedSampleData(body) {
  const data = {};
  for (const text of strings({ channels: body.channels, locales: body.locales })) {
    for (const [, path] of text.matchAll(DATA_PATH)) {
      const keys = path.split(".");
      let at = data;
      keys.forEach((k, i) => {
        if (i === keys.length - 1) at[k] ??= k;
        else at = at[k] = typeof at[k] === "object" && at[k] !== null ? at[k] : {};
      });
    }
  }
  return data;
}

/** The sample a template opens with: its stored one, else derived data and a subscriber called Alice. */
export function initialSample(saved, body) {
  return { data: saved?.sample?.data ?? derivedSampleData(body), subscriber: saved?.sample?.subscriber ?? { name: "Alice" } };
}
