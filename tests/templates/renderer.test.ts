import { readdirSync, readFileSync } from "node:fs";
import Handlebars from "handlebars";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { corpus, securityCases } from "./corpus.js";
import { renderHerald, renderOfficial } from "./handlebars-reference.js";
import { compileTemplate, RENDER_LIMITS, renderTemplate, TemplateRenderError, TemplateSyntaxError } from "../../src/templates/renderer.js";

let loggerLevel: typeof Handlebars.logger.level;
beforeAll(() => {
  loggerLevel = Handlebars.logger.level;
  // Handlebars logs every denied prototype property once; the security cases trigger that on purpose.
  Handlebars.logger.level = 5 as unknown as typeof Handlebars.logger.level;
});
// Files share a module graph (vitest.config.ts: isolate false): the next one gets Handlebars as it was.
afterAll(() => {
  Handlebars.logger.level = loggerLevel;
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("differential corpus against Handlebars.compile", () => {
  it("covers at least 120 cases with unique names", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(120);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [c.name, c] as const))("renders like Handlebars: %s", (_name, c) => {
    const official = renderOfficial(c);
    expect(official).toMatchObject({ ok: true });
    expect(renderHerald(c)).toEqual(official);
    if (c.expected !== undefined) expect(official).toEqual({ ok: true, output: c.expected });
  });
});

describe("prototype access", () => {
  it.each(securityCases.map((c) => [c.template, c] as const))("denies it like Handlebars 4.6+: %s", (_t, c) => {
    const ours = compileTemplate(c.template).render(c.context);
    expect(ours).toBe(c.expected);
    expect(Handlebars.create().compile(c.template)(c.context)).toBe(ours);
  });

  it("cannot reach the Function constructor through a helper-less path chain", () => {
    const template = "{{#with (lookup (lookup this 'constructor') 'constructor')}}{{this}}{{else}}denied{{/with}}";
    expect(compileTemplate(template).render({})).toBe("denied");
  });
});

describe("no code generation", () => {
  const originalFunction = globalThis.Function;
  const originalEval = globalThis.eval;
  const originalConstructor = Object.getOwnPropertyDescriptor(Function.prototype, "constructor")!;

  function trap(): never {
    throw new EvalError("Code generation from strings disallowed for this context");
  }

  function armTrap(): void {
    globalThis.Function = trap as unknown as FunctionConstructor;
    globalThis.eval = trap;
    Object.defineProperty(Function.prototype, "constructor", { ...originalConstructor, value: trap });
  }

  function disarmTrap(): void {
    globalThis.Function = originalFunction;
    globalThis.eval = originalEval;
    Object.defineProperty(Function.prototype, "constructor", originalConstructor);
  }

  afterEach(disarmTrap);

  it("parses and renders the whole corpus with Function, eval and Function.prototype.constructor trapped", () => {
    // A prefix makes every source new to the parse cache, so parsing runs under the trap too.
    const cases = corpus.map((c) => ({ ...c, template: `trap:${c.template}` }));
    const expected = cases.map(renderOfficial);
    armTrap();
    const actual = cases.map(renderHerald);
    disarmTrap();
    expect(actual).toEqual(expected);
  });

  it("no renderer source calls a code-generating API", () => {
    // The renderer's folder; test support (the reference engine, corpus and fuzz grammar) lives here and may.
    const dir = new URL("../../src/templates/", import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources).toEqual(expect.arrayContaining(["renderer.ts", "interpreter.ts", "compile.ts", "partials.ts", "helpers.ts"]));
    for (const file of sources) {
      const code = readFileSync(new URL(file, dir), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(code, file).not.toMatch(/\beval\s*\(|\bFunction\s*\(|\.(compile|precompile|template)\s*\(/);
    }
  });

  it("the trap does stop Handlebars.compile, which generates code", () => {
    armTrap();
    const attempt = thrown(() => Handlebars.create().compile("{{a}}")({ a: 1 }));
    disarmTrap();
    expect(attempt).toBeInstanceOf(EvalError);
  });
});

describe("syntax errors", () => {
  it("reports Handlebars' parse message with line and column", () => {
    const error = thrown(() => compileTemplate("line one\nline two {{#if a}}\n  {{oops")) as TemplateSyntaxError;
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error.line).toBe(3);
    expect(error.column).toBe(4);
    expect(error.message).toMatch(/^Parse error on line 3:[\s\S]*\(line 3, column 4\)$/);
  });

  it("reports mismatched block ends at the opening tag", () => {
    const error = thrown(() => compileTemplate("a\n{{#if x}}{{/each}}")) as TemplateSyntaxError;
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error.message).toContain("if doesn't match each - 2:3");
    expect([error.line, error.column]).toEqual([2, 3]);
  });

  it("rejects what Handlebars rejects at compile time", () => {
    const error = thrown(() => compileTemplate("{{> p a b}}")) as TemplateSyntaxError;
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error.message).toContain("Unsupported number of partial arguments: 2 - 1:0");
    expect(thrown(() => Handlebars.compile("{{> p a b}}")({}))).toMatchObject({ message: expect.stringContaining("Unsupported number of partial arguments: 2") });
  });

  it("reports lexical errors and unclosed blocks", () => {
    expect(thrown(() => compileTemplate("{{!-- never closed"))).toMatchObject({ line: 1, message: expect.stringContaining("Lexical error") });
    expect(thrown(() => compileTemplate("{{#each l}}x"))).toMatchObject({ line: 1, column: 12 });
  });
});

describe("render errors", () => {
  it("throws Handlebars' missing-helper message as a TemplateRenderError", () => {
    for (const template of ["{{nope 1}}", "{{#nope x}}y{{/nope}}", "{{upper (nope 1)}}", "{{#if (nope 'x')}}{{/if}}"]) {
      const official = thrown(() => Handlebars.create().compile(template)({})) as Error;
      const error = thrown(() => compileTemplate(template).render({}, { helpers: { upper: (s: unknown) => s } })) as TemplateRenderError;
      expect(error).toBeInstanceOf(TemplateRenderError);
      expect(error.code).toBe("missing-helper");
      expect(error.message).toBe('Missing helper: "nope"');
      expect(error.message).toBe(official.message);
    }
  });

  it("renders a missing name without positional arguments as empty, like Handlebars", () => {
    const template = "[{{nope}}][{{#nope}}x{{/nope}}][{{nope a=1}}]";
    expect(compileTemplate(template).render({})).toBe("[][][]");
    expect(Handlebars.create().compile(template)({})).toBe("[][][]");
  });

  it("throws Handlebars' missing-partial message as a TemplateRenderError", () => {
    const error = thrown(() => compileTemplate("{{> missing}}").render({})) as TemplateRenderError;
    expect(error).toMatchObject({ code: "missing-partial", message: "The partial missing could not be found" });
    expect(thrown(() => Handlebars.create().compile("{{> missing}}")({}))).toMatchObject({ message: error.message });
  });

  it("keeps a helper's own error as the cause", () => {
    const boom = new Error("boom");
    const error = thrown(() => renderTemplate("{{explode}}", {}, { helpers: { explode: () => { throw boom; } } })) as TemplateRenderError;
    expect(error).toMatchObject({ code: "render-failed", message: "boom", cause: boom });
  });

  it("wraps a syntax error inside a partial", () => {
    const error = thrown(() => renderTemplate("{{> bad}}", {}, { partials: { bad: "{{#if}}" } })) as TemplateRenderError;
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect(error.cause).toBeInstanceOf(TemplateSyntaxError);
  });
});

describe("limits (a divergence: Handlebars has none)", () => {
  it("stops endless partial recursion at the depth limit, where Handlebars overflows the stack", () => {
    const template = "{{#*inline 'loop'}}x{{> loop}}{{/inline}}{{> loop}}";
    const error = thrown(() => compileTemplate(template).render({})) as TemplateRenderError;
    expect(error).toMatchObject({ code: "limit-exceeded", message: expect.stringContaining(`${RENDER_LIMITS.maxPartialDepth}`) });
    expect(thrown(() => Handlebars.create().compile(template)({}))).toBeInstanceOf(RangeError);
  });

  it("allows legitimate recursion up to the limit and not beyond", () => {
    const partials = { down: "{{#if next}}({{> down next}}){{/if}}" };
    const chain = (levels: number): unknown => (levels === 0 ? true : { next: chain(levels - 1) });
    const levels = RENDER_LIMITS.maxPartialDepth - 1;
    expect(renderTemplate("{{> down}}", chain(levels), { partials })).toBe("(".repeat(levels) + ")".repeat(levels));
    expect(thrown(() => renderTemplate("{{> down}}", chain(levels + 1), { partials }))).toMatchObject({ code: "limit-exceeded" });
  });

  it("stops exponential partial fan-out by the statement budget", () => {
    const partials: Record<string, string> = { p40: "x" };
    for (let i = 0; i < 40; i++) partials[`p${i}`] = `{{> p${i + 1}}}{{> p${i + 1}}}`;
    const error = thrown(() => renderTemplate("{{> p0}}", {}, { partials })) as TemplateRenderError;
    expect(error).toMatchObject({ code: "limit-exceeded" });
  });

  it("stops nested loops over the same data by the statement budget, yet runs a 10,000-item loop", () => {
    const l = Array.from({ length: 120 }, (_, i) => i);
    const cube = "{{#each l}}{{#each ../l}}{{#each ../../l}}x{{/each}}{{/each}}{{/each}}";
    expect(thrown(() => renderTemplate(cube, { l }))).toMatchObject({ code: "limit-exceeded" });
    const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `n${i}` }));
    const expected = items.map((item, i) => `<li id=${item.id}>${item.name}${i === items.length - 1 ? "." : ""}</li>`).join("");
    expect(renderTemplate("{{#each items}}<li id={{id}}>{{name}}{{#if @last}}.{{/if}}</li>{{/each}}", { items })).toBe(expected);
  });

  it("stops output beyond the size limit", () => {
    const big = "y".repeat(1024 * 1024);
    const error = thrown(() => renderTemplate("{{#each l}}{{{../big}}}{{/each}}", { big, l: Array.from({ length: 20 }) })) as TemplateRenderError;
    expect(error).toMatchObject({ code: "limit-exceeded" });
  });
});

describe("API", () => {
  it("compiles once and renders many contexts", () => {
    const t = compileTemplate("{{#each l}}{{.}}{{/each}}");
    expect(t.source).toBe("{{#each l}}{{.}}{{/each}}");
    expect([t.render({ l: [1, 2] }), t.render({ l: [] }), t.render(null)]).toEqual(["12", "", ""]);
  });

  it("accepts compiled templates as partials", () => {
    const card = compileTemplate("<{{name}}>");
    expect(renderTemplate("{{> card}}", { name: "&" }, { partials: { card } })).toBe("<&amp;>");
    expect(renderTemplate("{{> card}}{{#each l}}{{> card}}{{/each}}", { name: "a", l: [{ name: "b" }] }, { partials: { card } })).toBe("<a><b>");
  });

  it("does not mutate the caller's partials or helpers", () => {
    const partials = Object.freeze({ p: "x" });
    const helpers = Object.freeze({ h: () => "y", helperMissing: () => "m" });
    expect(renderTemplate("{{> p}}{{h}}{{nope}}", {}, { partials, helpers })).toBe("xym");
    expect(helpers.helperMissing).toBeTypeOf("function");
  });
});
