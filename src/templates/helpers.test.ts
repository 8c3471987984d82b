import Handlebars from "handlebars";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultHelpers } from "./helpers.js";
import { renderTemplate } from "./renderer.js";

const ru = { subscriber: { locale: "ru-RU", timezone: "Europe/Moscow" } };
const at = "2024-03-05T14:07:09Z";

/** ICU versions differ in which space they put before "PM" or inside "1 234": compare with plain spaces. */
function spaces(s: string): string {
  return s.replace(/[\u00a0\u202f]/g, " ");
}

function render(template: string, context: unknown = {}): string {
  return spaces(renderTemplate(template, context, { helpers: defaultHelpers }));
}

describe("formatDate", () => {
  it("defaults to en, UTC and medium date and time", () => {
    expect(render("{{formatDate at}}", { at })).toBe("Mar 5, 2024, 2:07:09 PM");
  });

  it("uses the subscriber's locale and time zone from @root", () => {
    expect(render("{{formatDate at}}", { at, ...ru })).toBe("5 мар. 2024 г., 17:07:09");
    expect(render("{{#each l}}{{formatDate .  timeStyle='none'}}{{/each}}", { l: [at], ...ru })).toBe("5 мар. 2024 г.");
  });

  it("lets the hash override locale, zone and styles", () => {
    expect(render("{{formatDate at locale='en-GB' timeZone='Asia/Tokyo' dateStyle='long' timeStyle='short'}}", { at, ...ru })).toBe("5 March 2024 at 23:07");
    expect(render("{{formatDate at dateStyle='none' timeStyle='short' timeZone='America/New_York'}}", { at })).toBe("9:07 AM");
  });

  it("accepts ISO strings, epoch milliseconds and Date objects alike", () => {
    const expected = render("{{formatDate at}}", { at });
    expect(render("{{formatDate ms}}", { ms: Date.parse(at) })).toBe(expected);
    expect(render("{{formatDate d}}", { d: new Date(at) })).toBe(expected);
    expect(render("{{formatDate '2024-03-05' timeStyle='none'}}")).toBe("Mar 5, 2024");
  });

  it("renders invalid dates and options as empty, never throwing", () => {
    for (const value of ["tomorrow", "2024-13-45", "", null, undefined, NaN, {}, [], new Date("x"), 8.64e15 + 1]) {
      expect(render("{{formatDate v}}", { v: value })).toBe("");
    }
    expect(render("{{formatDate at timeZone='Mars/Olympus'}}", { at })).toBe("");
    expect(render("{{formatDate at dateStyle='huge'}}", { at })).toBe("");
  });

  it("falls back to UTC and en for a broken subscriber profile", () => {
    const broken = { subscriber: { locale: "not a locale!", timezone: "Nowhere/Void" } };
    expect(render("{{formatDate at}}", { at, ...broken })).toBe("Mar 5, 2024, 2:07:09 PM");
  });
});

describe("formatNumber and formatCurrency", () => {
  it("formats numbers in en and ru", () => {
    expect(render("{{formatNumber n}}", { n: 1234567.891 })).toBe("1,234,567.891");
    expect(render("{{formatNumber n}}", { n: 1234567.891, ...ru })).toBe("1 234 567,891");
    expect(render("{{formatNumber n minimumFractionDigits=2 maximumFractionDigits=2}}", { n: 0.5 })).toBe("0.50");
    expect(render("{{formatNumber '-42.25' locale='ru' maximumFractionDigits=1}}")).toBe("-42,3");
  });

  it("formats RUB in ru-RU and other currencies", () => {
    expect(render("{{formatCurrency amount 'RUB'}}", { amount: 1250.5, ...ru })).toBe("1 250,50 ₽");
    expect(render("{{formatCurrency amount 'RUB' locale='ru-RU'}}", { amount: 0 })).toBe("0,00 ₽");
    expect(render("{{formatCurrency amount 'USD'}}", { amount: 1250.5 })).toBe("$1,250.50");
    expect(render("{{formatCurrency amount 'EUR' locale='de-DE'}}", { amount: 1250.5 })).toBe("1.250,50 €");
    expect(render("{{formatCurrency amount currency='JPY'}}", { amount: 1250.5 })).toBe("¥1,251");
  });

  it("renders invalid numbers and currencies as empty", () => {
    for (const n of ["abc", "", " ", null, undefined, NaN, Infinity, {}, [1], true]) {
      expect(render("{{formatNumber n}}|{{formatCurrency n 'RUB'}}", { n })).toBe("|");
    }
    expect(render("{{formatCurrency 1 'rubles'}}|{{formatCurrency 1}}|{{formatCurrency 1 'XYZ1'}}")).toBe("||");
    expect(render("{{formatNumber 1 minimumFractionDigits=30}}")).toBe("");
  });
});

describe("logic and text helpers", () => {
  it("compares and combines like {{#if}} judges truth", () => {
    expect(render("{{eq 1 1}} {{eq 1 '1'}} {{ne a b}} {{gt 2 1}} {{gt 'b' 'a'}} {{gt 2 '1'}} {{lt 1 2}} {{lt n 1}}", { a: 1, b: 2, n: null })).toBe(
      "true false true true true false true false",
    );
    expect(render("{{and 1 'x' (eq 1 1)}} {{and 1 e}} {{or 0 e ''}} {{or 0 'x'}} {{not e}} {{not 0}} {{not 'x'}}", { e: [] })).toBe("true false false true true true false");
  });

  it("default fills null, undefined and empty string only", () => {
    expect(render("{{default a 'friend'}}|{{default b 'friend'}}|{{default c 'x'}}|{{default d 'x'}}|{{default e 'x'}}", { b: "", c: 0, d: false, e: "Ann" })).toBe(
      "friend|friend|0|false|Ann",
    );
  });

  it("changes case, Cyrillic included", () => {
    expect(render("{{uppercase s}} {{lowercase s}} [{{uppercase nothing}}] {{uppercase 12}}", { s: "Ёлка straße" })).toBe("ЁЛКА STRASSE ёлка straße [] 12");
  });

  it("truncates by code points without splitting surrogate pairs", () => {
    const t = "😀👍🎉🚀✨";
    expect(render("{{truncate t 3}}", { t })).toBe("😀👍…");
    expect(render("{{truncate t 3 suffix=''}}", { t })).toBe("😀👍🎉");
    expect(render("{{truncate t 5}}", { t })).toBe(t);
    expect(render("{{truncate 'Привет, мир' 8 suffix='...'}}")).toBe("Приве...");
    expect(render("{{truncate t 1}}|{{truncate t 0}}|{{truncate t -1}}|{{truncate t 'x'}}", { t })).toBe(`😀||${t}|${t}`);
    for (let n = 0; n <= 12; n++) expect(renderTemplate("{{truncate t n}}", { t: "a😀b😀c😀d😀", n }, { helpers: defaultHelpers })).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("escapes helper output like any value", () => {
    expect(render("{{default x '<b>'}} {{{default x '<b>'}}}")).toBe("&lt;b&gt; <b>");
  });
});

describe("registered on the official Handlebars", () => {
  it("renders the same there", () => {
    const hb = Handlebars.create();
    hb.registerHelper(defaultHelpers);
    const template = "{{formatDate at timeStyle='none'}} {{formatCurrency amount 'RUB'}} {{#if (and (gt n 1) (not muted))}}{{truncate (uppercase text) 5}}{{/if}}";
    const context = { at, amount: 99.9, n: 2, text: "hello world", ...ru };
    expect(hb.compile(template)(context)).toBe(renderTemplate(template, context, { helpers: defaultHelpers }));
  });
});

describe("the built-in log helper", () => {
  afterEach(() => vi.restoreAllMocks());

  it("renders nothing and writes nothing, so event data cannot forge lines of the JSON log", () => {
    const methods = ["log", "info", "warn", "error", "debug"] as const;
    const spies = methods.map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    const forged = `x\n{"time":"2026-01-01T00:00:00.000Z","level":"error","msg":"admin password reset","by":"attacker"}`;
    const context = { data: { note: forged } };
    for (const template of ['a{{log data.note level="error"}}b', "a{{log data.note}}b", "a{{#log data.note}}x{{/log}}b", 'a{{log "plain" level="warn"}}b']) {
      expect(renderTemplate(template, context, { helpers: defaultHelpers })).toBe("ab");
      expect(renderTemplate(template, context)).toBe("ab");
    }
    expect(spies.map((s) => s.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
    // What it prevents: the official helper writes the argument to the console.
    Handlebars.create().compile('{{log data.note level="error"}}')(context);
    expect(spies[3]!.mock.calls.flat().join(" ")).toContain('"msg":"admin password reset"');
  });
});
