import { HeraldError } from "../errors.js";

/**
 * One configuration field of a channel, declared as data. The same declaration drives validation
 * (one routine, `parseConfigValue`), the README's configuration reference, the admin UI and the
 * masking of secrets in descriptions and logs.
 */
export interface ConfigField {
  /** `url`: http(s) only. `integer`: a whole number. */
  type: "string" | "url" | "number" | "integer" | "boolean";
  required?: boolean;
  /** Never logged, never shown back; masked wherever config is displayed. */
  secret?: boolean;
  default?: string | number | boolean;
  /** Environment variable the Node, Deno and Workers entrypoints read it from. */
  env?: string;
  description: string;
  /** The only values allowed, matched without regard to case; the channel gets the spelling declared here. */
  choices?: readonly string[];
  /** What a string value must match as a whole, e.g. `/^AC[0-9a-fA-F]{32}$/`. */
  pattern?: RegExp;
  /** The pattern in words, for error messages and docs ("AC followed by 32 hex digits"). */
  patternHint?: string;
  /** Inclusive bounds of a number or integer. */
  min?: number;
  max?: number;
}

export type ConfigSchema = Record<string, ConfigField>;

type ResolvedType<F extends ConfigField> = F["choices"] extends readonly (infer C)[]
  ? C
  : F["type"] extends "number" | "integer"
    ? number
    : F["type"] extends "boolean"
      ? boolean
      : string;
type Defined<F extends ConfigField> = F["required"] extends true ? true : F["default"] extends string | number | boolean ? true : false;

/** The values a channel's `create` receives: required fields and fields with a default are always there. */
export type ConfigValues<S extends ConfigSchema> = { [K in keyof S]: Defined<S[K]> extends true ? ResolvedType<S[K]> : ResolvedType<S[K]> | undefined };

/** How the value is described in messages: the environment variable when there is one. */
function fieldName(channelId: string, name: string, field: ConfigField): string {
  return field.env ?? `${channelId}.${name}`;
}

function listed(choices: readonly string[]): string {
  return choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(", ")}`;
}

/**
 * Reads one raw (environment) value by its declaration: type, choices, pattern, range. Throws a
 * `bad_config` HeraldError naming the variable and never echoing the value (webhook URLs and keys
 * are secrets).
 */
export function parseConfigValue(channelId: string, name: string, field: ConfigField, raw: string): string | number | boolean {
  const bad = (why: string) => new HeraldError("bad_config", `${fieldName(channelId, name, field)}: ${why}`, { pluginId: channelId });
  switch (field.type) {
    case "number":
    case "integer": {
      const n = Number(raw.trim());
      if (raw.trim() === "" || !Number.isFinite(n)) throw bad(field.type === "integer" ? "must be a whole number" : "must be a number");
      if (field.type === "integer" && !Number.isInteger(n)) throw bad("must be a whole number");
      if (field.min !== undefined && n < field.min) throw bad(`must be at least ${field.min}`);
      if (field.max !== undefined && n > field.max) throw bad(`must be at most ${field.max}`);
      return n;
    }
    case "boolean":
      if (!["1", "0", "true", "false"].includes(raw)) throw bad("must be true/false or 1/0");
      return raw === "1" || raw === "true";
    case "url": {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw bad("is not a valid URL");
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw bad("must be an http(s) URL");
      break;
    }
  }
  if (field.choices) {
    const choice = field.choices.find((c) => c.toLowerCase() === raw.toLowerCase());
    if (choice === undefined) throw bad(`must be ${listed(field.choices)}`);
    return choice;
  }
  if (field.pattern && !wholeMatch(field.pattern, raw)) throw bad(field.patternHint ? `must be ${field.patternHint}` : `must match ${field.pattern.source}`);
  return raw;
}

function wholeMatch(pattern: RegExp, value: string): boolean {
  // A fresh, anchored copy: a /g pattern keeps state between calls, and an unanchored one would accept a part.
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, "")).test(value);
}

/** A channel's configuration read from the environment: its values, and the required variables that are absent. */
export function resolveConfig(channelId: string, schema: ConfigSchema, env: Record<string, string | undefined>): { values: Record<string, unknown>; missing: string[] } {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, field] of Object.entries(schema)) {
    const raw = field.env ? env[field.env] : undefined;
    if (raw === undefined || raw === "") {
      if (field.default !== undefined) values[name] = field.default;
      else if (field.required) missing.push(fieldName(channelId, name, field));
      continue;
    }
    values[name] = parseConfigValue(channelId, name, field, raw);
  }
  return { values, missing };
}

/** Problems with a declaration itself (a default outside its own choices or range): for the conformance suite. */
export function configDeclarationProblems(channelId: string, schema: ConfigSchema): string[] {
  const problems: string[] = [];
  for (const [name, field] of Object.entries(schema)) {
    if (!field.description.trim()) problems.push(`${name}: no description`);
    if ((field.choices || field.pattern) && field.type !== "string") problems.push(`${name}: choices and patterns are for string fields`);
    if ((field.min !== undefined || field.max !== undefined) && field.type !== "number" && field.type !== "integer") problems.push(`${name}: min and max are for numbers`);
    if (field.default === undefined) continue;
    try {
      const parsed = parseConfigValue(channelId, name, field, String(field.default));
      if (parsed !== field.default) problems.push(`${name}: the default ${JSON.stringify(field.default)} reads back as ${JSON.stringify(parsed)}`);
    } catch (error) {
      problems.push(`${name}: the default does not pass its own checks (${(error as Error).message})`);
    }
  }
  return problems;
}
