/**
 * fast-check arbitraries from Herald's own OpenAPI document: request bodies that mostly match a
 * route's schema (so they get past validation into the handler), the same bodies with one part made
 * hostile, and hostile values and path segments of every kind the API must refuse with a 4xx.
 */
import fc from "fast-check";

export type Schema = Record<string, any>;
export type OpenApiDoc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, Schema> } };

/** A JSON value, or raw JSON text to put in its place (numbers JSON.stringify cannot write, `__proto__` keys). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of `value`, with `RawJson` parts written as they are. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => (v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}\u0000` : v));
  return (text ?? "").replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i) => raws[Number(i)]!);
}

/**
 * Values a field or parameter of this name had better take most of the time (ids the test created),
 * and whole valid objects by their `$ref` (for rules a schema cannot state, such as "exactly one of").
 */
export type KnownValues = Record<string, unknown[]>;

function deref(doc: OpenApiDoc, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; s?.$ref && i < 10; i++) s = doc.components.schemas[String(s.$ref).split("/").pop()!]!;
  return s ?? {};
}

function stringFor(schema: Schema, name: string | undefined, known: KnownValues): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 40, Math.max(min, 40));
  let generated: fc.Arbitrary<string>;
  if (schema.format === "email") generated = fc.stringMatching(/^[a-z0-9]{1,12}@[a-z]{1,8}\.(com|org|ru)$/);
  else if (schema.format === "date-time") generated = fc.date({ min: new Date(Date.now() - 86_400_000), max: new Date(Date.now() + 10 * 86_400_000), noInvalidDate: true }).map((d) => d.toISOString());
  else if (schema.pattern) generated = fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? 10_000));
  else generated = fc.string({ minLength: min, maxLength: max });
  const candidates = [...(name ? (known[name] ?? []) : []), ...(schema.example !== undefined ? [schema.example] : [])].map(String);
  return candidates.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...candidates) }, { weight: 1, arbitrary: generated }) : generated;
}

/** Values that match `schema` most of the time (string patterns and lengths, bounds, required keys). */
export function valueFor(doc: OpenApiDoc, raw: Schema, known: KnownValues, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const examples = raw.$ref ? known[raw.$ref] : undefined;
  if (examples?.length) return fc.oneof(fc.constantFrom(...examples), generatedFor(doc, raw, known, name, depth));
  return generatedFor(doc, raw, known, name, depth);
}

function generatedFor(doc: OpenApiDoc, raw: Schema, known: KnownValues, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
  const schema = deref(doc, raw);
  if (depth > 12) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s: Schema) => valueFor(doc, s, known, name, depth + 1)));
  if (schema.allOf) {
    const parts: Schema[] = schema.allOf.map((s: Schema) => deref(doc, s));
    const merged: Schema = Object.assign({}, ...parts);
    merged.properties = Object.assign({}, ...parts.map((p) => p.properties ?? {}));
    merged.required = parts.flatMap((p) => p.required ?? []);
    return valueFor(doc, merged, known, name, depth + 1);
  }
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => valueFor(doc, { ...schema, type }, known, name, depth + 1)));
  switch (types[0]) {
    case "string":
      return stringFor(schema, name, known);
    case "integer":
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -(2 ** 31)), max: Math.min(schema.maximum ?? 100_000, 2 ** 31) });
    case "number":
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(valueFor(doc, schema.items ?? {}, known, name, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case "object":
    case undefined: {
      const properties: Record<string, Schema> = schema.properties ?? {};
      if (Object.keys(properties).length === 0) {
        if (types[0] === undefined && !schema.additionalProperties) return fc.jsonValue({ maxDepth: 2 });
        const values = schema.additionalProperties && schema.additionalProperties !== true ? valueFor(doc, schema.additionalProperties, known, undefined, depth + 1) : fc.jsonValue({ maxDepth: 2 });
        const keys = name && known[name] ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known[name]!.map(String)) }, fc.string({ minLength: 1, maxLength: 12 })) : fc.string({ minLength: 1, maxLength: 12 });
        return fc.dictionary(keys, values, { maxKeys: 4 });
      }
      const model = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, valueFor(doc, s, known, key, depth + 1)]));
      return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Nested `levels` deep, as text: too deep for JSON.stringify (and for structuredClone) on this side too. */
function nested(levels: number, inObject: boolean): RawJson {
  return new RawJson(inObject ? `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}` : `${"[".repeat(levels)}1${"]".repeat(levels)}`);
}

/** Values no field should take, whatever it is: wrong types, extremes, deep nesting, odd text. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, "", " ", "0", "null", "true", [], {}, [[]], [{}]),
  fc.constantFrom(new RawJson("1e400"), new RawJson("-1e400"), new RawJson("-0"), new RawJson("1e-400"), new RawJson("123456789012345678901234567890"), new RawJson('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}')),
  fc.constantFrom("\ud800", "\udfff\ud800", "a\u0000b", "\u202e\u202d", "🙂".repeat(500), "ж".repeat(3000), "{{lookup this 'constructor'}}", "{{#each}}", "<script>alert(1)</script>", "../../etc/passwd", "%00", "\r\nx-injected: 1"),
  fc.constantFrom(10_000, 120_000).map((n) => "x".repeat(n)),
  fc.constantFrom(33, 100, 1000, 20_000).chain((levels) => fc.boolean().map((inObject) => nested(levels, inObject))),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.constant({ k: "v" }), { minLength: 2000, maxLength: 2001 }),
);

/** What free-form JSON (an object of any keys) must be refused for, or stored without harm. */
export const hostileFreeForm: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(33, 1000, 20_000).chain((levels) => fc.boolean().map((inObject) => ({ a: nested(levels, inObject) }))),
  fc.constantFrom(70_000, 200_000).map((n) => ({ a: "x".repeat(n) })),
  fc.constantFrom(2001, 5000).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  fc.constant(new RawJson('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":1}')),
  hostileValue.map((a) => ({ a })),
);

/** True for a schema of free-form JSON: an object that names no properties. */
function isFreeForm(doc: OpenApiDoc, raw: Schema): boolean {
  const schema = deref(doc, raw);
  if (schema.allOf) return schema.allOf.some((s: Schema) => isFreeForm(doc, s));
  const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes("object") && !schema.properties && (schema.additionalProperties === undefined || schema.additionalProperties === true || Object.keys(schema.additionalProperties).length === 0);
}

/** The places in `value` that its schema leaves free-form (event `data`, say). */
export function freeFormPlaces(doc: OpenApiDoc, raw: Schema, value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[][] {
  const schema = deref(doc, raw);
  if (depth > 12 || value === null || typeof value !== "object" || value instanceof RawJson) return [];
  if (isFreeForm(doc, schema) && !Array.isArray(value)) return [path];
  const alternatives: Schema[] = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  const found = alternatives.flatMap((s) => freeFormPlaces(doc, s, value, path, depth + 1));
  if (Array.isArray(value)) return [...found, ...value.flatMap((v, i) => (schema.items ? freeFormPlaces(doc, schema.items, v, [...path, i], depth + 1) : []))];
  for (const [key, v] of Object.entries(value)) {
    const property = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
    if (property) found.push(...freeFormPlaces(doc, property, v, [...path, key], depth + 1));
  }
  const seen = new Set<string>();
  return found.filter((p) => !seen.has(p.join("\u0000")) && seen.add(p.join("\u0000")));
}

/** `value` with `replacement` at `path` (a copy). */
export function placeAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as any;
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  parent[path[path.length - 1]!] = replacement;
  return copy;
}

/** Every place in `value` (dotted paths), the value itself first. */
function places(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  out.push(prefix);
  if (depth > 8 || value === null || typeof value !== "object" || value instanceof RawJson) return out;
  for (const [k, v] of Object.entries(value)) places(v, [...prefix, Array.isArray(value) ? Number(k) : k], out, depth + 1);
  return out;
}

/** `value` with the part at one place replaced by `replacement`, or removed (a missing field). */
export function mutate(value: unknown, pick: number, replacement: unknown, remove: boolean): unknown {
  const all = places(value);
  const path = all[pick % all.length]!;
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as any;
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** Path segments a route must refuse or not find, never fail on. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("..", "../", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%00", "a%00b", "%", "%ZZ", "%C0%AF", "%ED%A0%80", "%FF%FE", "~", "%20", "a%2Fb", ";", "@", "*", "$", "\u00ff\u00e9"),
  fc.constantFrom(200, 2000, 9000).map((n) => "a".repeat(n)),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x"))),
);

/** Query values of every odd kind (already encoded). */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", "-1", "0", "1e309", "-1e309", "NaN", "Infinity", "0x10", "1.5", "99999999999999999999", "9007199254740993", "%", "%ZZ", "%00", "a%00", "true", "[]", "{}"),
  fc.constantFrom(5000).map((n) => "9".repeat(n)),
  fc.string({ unit: "grapheme", maxLength: 20 }).map(encodeURIComponent),
);
