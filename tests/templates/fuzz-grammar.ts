/**
 * Test support only: a seeded generator of random Handlebars templates and
 * contexts from a small grammar of the constructs the renderer supports.
 */
import { frame } from "./corpus-types.js";
import { defaultHelpers } from "../../src/templates/helpers.js";
import type { HelperFn, HelperOptions } from "../../src/templates/types.js";

export { prng } from "../support/prng.js";

const KEYS = ["a", "b", "c", "list", "obj", "n", "s", "name", "k"];
const RARE_KEYS = ["constructor", "__proto__", "toString", "length", "0"];
const CONTENT = ["x", " ", "\n", "  ", "<&>", "Ж", "😀", "\\{{a}}", "{{! c }}", "{{!-- {{c}} --}}", "\n  ", "=`'\"", "\r\n", "\t"];
const BLOCKS = ["if", "unless", "each", "with", "repeat", "odd"];
const HELPERS = ["concat", "upper", "eq", "default", "lookup", "and", "json", "num"];

export const fuzzPartials: Record<string, string> = {
  p1: "<{{a}}>",
  p2: "[{{this}}|{{name}}|{{@index}}]",
  p3: "{{k}}:{{a}}:{{#if b}}B{{/if}}",
  p4: "line1 {{a}}\n  line2 {{{s}}}\n",
  layout: "L({{> @partial-block}})",
  each: "{{#each list}}{{> @partial-block}}{{/each}}",
};

export const fuzzHelpers: Record<string, HelperFn> = {
  ...defaultHelpers,
  concat: (...args: unknown[]) => args.slice(0, -1).join(""),
  upper: (value: unknown) => String(value).toUpperCase(),
  json: (value: unknown) => JSON.stringify(value),
  num: (value: unknown) => (typeof value === "number" ? value * 2 : value),
  nothing: () => undefined,
  three: () => 3,
  /** Calls `fn` with no context and `inverse` with a new one. */
  odd(value: unknown, options: HelperOptions & { fn: (c?: unknown) => string; inverse: (c?: unknown) => string }) {
    return value ? options.fn() : options.inverse({ a: "inv", value });
  },
  repeat(count: unknown, options: HelperOptions & { fn: (c: unknown, o: object) => string }) {
    let out = "";
    for (let i = 0; i < Math.min(Number(count) || 0, 3); i++) {
      const data = frame(options.data);
      data.n = i;
      out += options.fn(this, { data, blockParams: [i] });
    }
    return out;
  },
};

export class Gen {
  constructor(private readonly rand: () => number) {}

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  key(): string {
    return this.chance(0.05) ? this.pick(RARE_KEYS) : this.pick(KEYS);
  }

  path(bp: string[]): string {
    const k = this.key();
    switch (this.int(14)) {
      case 0: return "this";
      case 1: return ".";
      case 2: return `this.${k}`;
      case 3: return `../${k}`;
      case 4: return this.pick(["@index", "@key", "@first", "@last", "@n", "@../index"]);
      case 5: return `@root.${k}`;
      case 6: return `${k}.${this.key()}`;
      case 7: return `[${k} x]`;
      case 8: return bp.length ? this.pick(bp) : k;
      case 9: return bp.length ? `${this.pick(bp)}.${k}` : `../../${k}`;
      default: return k;
    }
  }

  literal(): string {
    return this.pick(["'str'", '"q<"', "0", "1", "-2.5", "true", "false", "null", "undefined", "''"]);
  }

  param(depth: number, bp: string[]): string {
    const r = this.int(10);
    if (r < 5) return this.path(bp);
    if (r < 8 || depth > 2) return this.literal();
    return `(${this.call(depth + 1, bp)})`;
  }

  hash(depth: number, bp: string[]): string {
    let out = "";
    for (let i = this.int(3); i > 0; i--) out += ` ${this.pick(["k", "a", "locale", "suffix"])}=${this.param(depth, bp)}`;
    return out;
  }

  call(depth: number, bp: string[]): string {
    const name = this.chance(0.03) ? "nope" : this.pick(HELPERS);
    let out = name;
    for (let i = this.int(3); i > 0; i--) out += ` ${this.param(depth, bp)}`;
    return out + (this.chance(0.3) ? this.hash(depth, bp) : "");
  }

  tilde(): string {
    return this.chance(0.15) ? "~" : "";
  }

  mustache(depth: number, bp: string[]): string {
    const r = this.rand();
    const inner = r < 0.55 ? this.path(bp) : r < 0.62 ? this.pick(["'a'", "1", "true", "'n'", "null", "three", "nothing"]) : this.call(depth, bp);
    const [open, close] = this.pick([["", ""], ["{", "}"], ["&", ""]] as const);
    return `{{${this.tilde()}${open}${inner}${close}${this.tilde()}}}`;
  }

  block(depth: number, bp: string[]): string {
    const nl = this.chance(0.3) ? "\n" : "";
    if (this.chance(0.2)) {
      const section = this.chance(0.25) ? this.pick(["nothing", "three"]) : this.key();
      const caret = this.chance(0.4) ? "^" : "#";
      return `${nl}{{${caret}${section}}}${nl}${this.body(depth + 1, bp)}{{/${section}}}${nl}`;
    }
    const name = this.pick(BLOCKS);
    const arg = name === "repeat" ? this.pick(["1", "2", "n"]) : this.param(depth, bp);
    const params = name === "each" || name === "with" || name === "repeat" ? (this.chance(0.3) ? [`v${depth}`, `i${depth}`] : []) : [];
    const head = `{{${this.tilde()}#${name} ${arg}${params.length ? ` as |${params.join(" ")}|` : ""}${this.tilde()}}}`;
    const inner = this.body(depth + 1, [...params, ...bp]);
    let elsePart = "";
    if (this.chance(0.4)) {
      const kind = this.int(3);
      const elseTag = kind === 0 ? `{{${this.tilde()}else${this.tilde()}}}` : kind === 1 ? "{{^}}" : `{{else if ${this.param(depth, bp)}}}`;
      elsePart = `${nl}${elseTag}${nl}${this.body(depth + 1, bp)}`;
    }
    return `${nl}${head}${nl}${inner}${elsePart}{{${this.tilde()}/${name}${this.tilde()}}}${nl}`;
  }

  partial(depth: number, bp: string[]): string {
    switch (this.int(7)) {
      case 0: return `{{> p1}}`;
      case 1: return `{{> p2 ${this.path(bp)}}}`;
      case 2: return `{{> p3 k=${this.param(depth, bp)}}}`;
      case 3: return `\n  {{> p4}}\n`;
      case 4: return `{{#> ${this.pick(["layout", "each", "missing"])}}}${this.body(depth + 1, bp)}{{/${"$"}}}`;
      case 5: return `{{#*inline "p1"}}I${this.body(depth + 1, bp)}{{/inline}}${this.chance(0.5) ? "{{> p1}}" : ""}`;
      default: return `{{> (concat 'p' ${this.pick(["1", "2", "3", "9"])}) }}`;
    }
  }

  body(depth: number, bp: string[]): string {
    let out = "";
    const count = depth > 3 ? this.int(2) : this.int(5);
    for (let i = 0; i < count; i++) {
      const r = this.int(10);
      if (r < 3) out += this.pick(CONTENT);
      else if (r < 6) out += this.mustache(depth, bp);
      else if (r < 8 && depth < 4) out += this.block(depth, bp);
      else if (depth < 3) out += this.partial(depth, bp);
      else out += this.pick(CONTENT);
    }
    return out;
  }

  template(): string {
    // Partial-block closing tags must repeat the opening name.
    return this.body(0, []).replace(/\{\{#> (\w+)\}\}([\s\S]*?)\{\{\/\$\}\}/g, "{{#> $1}}$2{{/$1}}").replace(/\{\{\/\$\}\}/g, "");
  }

  value(depth: number): unknown {
    switch (this.int(depth > 2 ? 8 : 12)) {
      case 0: return this.pick([0, 1, 2, -1, 2.5, NaN]);
      case 1: return this.pick(["", "str", "<b>&'\"", "Привет", "🎉", "0"]);
      case 2: return this.chance(0.5);
      case 3: return null;
      case 4: return undefined;
      case 5: return this.pick([3, "x"]);
      case 6: return "val";
      case 7: return 7;
      case 8:
      case 9: return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      case 10: return this.object(depth + 1);
      default: {
        // Decided now: a function that consulted the generator while rendering would differ per engine.
        const result = this.pick(["fn", 0, "", [1, 2]]);
        return () => result;
      }
    }
  }

  object(depth: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = this.int(6); i > 0; i--) o[this.pick(KEYS)] = this.value(depth);
    return o;
  }
}
