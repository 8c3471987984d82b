/**
 * Reads a dotted path (`data.order.status`, `to.0`) from plain JSON, own properties only, so a rule
 * can never reach `constructor` or `__proto__`.
 */
export function readPath(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.@-]+)\s*\}\}/g;

/**
 * Fills `{{path}}` placeholders in a recipient expression from the event. A string that is only one
 * placeholder keeps the value's type, so `{{data.watchers}}` can expand to a list of ids.
 */
export function fillPlaceholders(template: string, root: unknown): unknown {
  const whole = /^\{\{\s*([A-Za-z0-9_.@-]+)\s*\}\}$/.exec(template);
  if (whole) return readPath(root, whole[1]!);
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const v = readPath(root, path);
    return v === undefined || v === null ? "" : String(v);
  });
}
