/**
 * Property access the way Handlebars 4.6+ does it with default runtime options
 * (`container.lookupProperty` + `internal/proto-access.js`): own properties are
 * returned, everything reached through a prototype is denied.
 *
 * Handlebars' `resultIsAllowed` consults two allow lists (properties, methods)
 * that only opt-in runtime options (`allowProtoPropertiesByDefault`,
 * `allowedProtoMethods`, ...) can fill; their defaults deny `__proto__`,
 * `constructor`, `__defineGetter__`, ... explicitly and every other inherited
 * name by default. Herald exposes none of those options, so the check reduces
 * to "deny". Handlebars also logs each denied name once; we stay silent.
 */

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `Function.prototype.constructor === Function` is an *own* property of the
 * prototype object; Handlebars treats that back-reference as inherited so the
 * Function constructor stays unreachable. Same test here.
 */
function isPrototypeConstructor(parent: unknown, name: string, result: unknown): boolean {
  return name === "constructor" && typeof result === "function" && parent === (result as { prototype?: unknown }).prototype;
}

/** Reads `parent[name]` if it is an own property; `null`/`undefined` pass through as Handlebars does. */
export function lookupProperty(parent: unknown, name: string): unknown {
  const result = (parent as Record<string, unknown>)[name];
  if (result == null) return result;
  if (hasOwn.call(parent, name) && !isPrototypeConstructor(parent, name, result)) return result;
  return undefined;
}

/** Own property or `undefined`, never throwing on `null`/`undefined` parents (Handlebars' `lookupOwnProperty`). */
export function lookupOwnProperty(parent: unknown, name: string): unknown {
  if (parent != null && hasOwn.call(parent, name)) return (parent as Record<string, unknown>)[name];
  return undefined;
}

/** Walks `depth` data frames up through `_parent`, like `container.data`. */
export function dataAtDepth(data: unknown, depth: number): unknown {
  let value = data;
  while (value && depth--) value = (value as { _parent?: unknown })._parent;
  return value;
}
