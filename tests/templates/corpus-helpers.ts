/** Corpus: custom helpers (hash, subexpressions, block helpers, private data) and Herald's defaults. */
import Handlebars from "handlebars";
import { type CorpusCase, frame, tc } from "./corpus-types.js";
import { defaultHelpers } from "../../src/templates/helpers.js";
import type { HelperFn, HelperOptions } from "../../src/templates/types.js";

type Block = HelperOptions & { fn: (context?: unknown, options?: object) => string; inverse: (context?: unknown) => string };

const custom: Record<string, HelperFn> = {
  concat: (...args: unknown[]) => args.slice(0, -1).join(""),
  upper: (s: unknown) => String(s).toUpperCase(),
  hashKeys: (options: HelperOptions) => Object.keys(options.hash).join(",") + "=" + Object.values(options.hash).join(","),
  optionKeys: (...args: unknown[]) => Object.keys(args[args.length - 1] as object).join(","),
  json: (value: unknown) => JSON.stringify(value),
  typeOf: (value: unknown) => (value === null ? "null" : typeof value),
  link: (text: unknown, options: HelperOptions) =>
    new Handlebars.SafeString(`<a href="${Handlebars.escapeExpression(String(options.hash.href))}">${Handlebars.escapeExpression(String(text))}</a>`),
  num: (n: unknown) => Number(n),
  thisInfo(this: unknown) {
    return this === null ? "null" : `${typeof this}:${Object.isSealed(this)}:${Object.keys(this as object).length}`;
  },
  ifEven(n: unknown, options: Block) {
    return Number(n) % 2 === 0 ? options.fn(this) : options.inverse(this);
  },
  repeat(count: unknown, options: Block) {
    let out = "";
    for (let i = 0; i < Number(count); i++) {
      const data = frame(options.data);
      data.n = i;
      data.odd = i % 2 === 1;
      out += options.fn(this, { data, blockParams: [i, `#${i}`] });
    }
    return out;
  },
  withUpper(value: unknown, options: Block) {
    return options.fn({ up: String(value).toUpperCase() });
  },
  list(items: unknown[], options: Block) {
    return `<ul>${(items ?? []).map((item) => `<li>${options.fn(item)}</li>`).join("")}</ul>`;
  },
};

const intl = { ...defaultHelpers };
const subscriberRu = { subscriber: { name: "Ирина", locale: "ru-RU", timezone: "Europe/Moscow" } };
const at = "2024-03-05T14:07:09Z";

export const helperCases: CorpusCase[] = [
  tc("helper with positional literals of every type", "{{concat 'a' 1 true null undefined -2.5 \"q\"}}", {}, { helpers: custom }),
  tc("hash keys arrive in Handlebars' order", "{{hashKeys a=1 b='two' c=x d=(upper 'y')}}", { x: "ex" }, { helpers: custom }),
  tc("options object shape", "{{optionKeys}}|{{optionKeys 1 a=2}}|{{#optionKeys}}{{/optionKeys}}", {}, { helpers: custom }),
  tc("nested subexpressions", "{{concat (upper a) '-' (upper (concat b c))}}", { a: "x", b: "y", c: "z" }, { helpers: custom }),
  tc("subexpression in hash and in block params", "{{#with (concat a b) as |ab|}}{{ab}}{{hashKeys v=(concat ab '!')}}{{/with}}", { a: "1", b: "2" }, { helpers: custom }),
  tc("helper output is escaped unless SafeString", "{{concat '<' a}} {{link label href=url}} {{{concat '<' a}}}", { a: "&", label: "<Track>", url: "https://x.test/?a=1&b=\"2\"" }, { helpers: custom }),
  tc("helper returning numbers adds in triple-stache", "{{{num 1}}}{{{num 2}}}|{{num 1}}{{num 2}}", {}, { helpers: custom }),
  tc("helper this is the context, or a sealed empty object", "{{thisInfo}} {{#with n}}{{/with}}{{#each l}}{{thisInfo}} {{/each}}", { l: [null, 1, { a: 1 }] }, { helpers: custom }),
  tc("helper shadows a context key of the same name", "{{upper}} {{this.upper}}", { upper: "ctx" }, { helpers: { upper: () => "HELPER" } }),
  tc("registered helper named index answers {{@index}}", "{{#each l}}{{@index}}{{/each}}", { l: [1] }, { helpers: { index: () => "H" } }),
  tc("function in data is called like a helper with args", "{{fmt 'a' b=1}}", { fmt: (a: unknown, o: HelperOptions) => `${a}:${o.hash.b}:${typeof o.lookupProperty}` }),
  tc("helper args resolve paths, ../ and @data", "{{#each l}}{{concat . '/' ../sep '/' @index '/' @root.sep}} {{/each}}", { l: ["a", "b"], sep: "|" }, { helpers: custom }),
  tc("helper receives null and undefined distinctly", "{{typeOf n}} {{typeOf u}} {{typeOf n.x}} {{typeOf u.x}} {{typeOf z.x}}", { n: null, z: 0 }, { helpers: custom }),
  tc("json helper sees the real values", "{{{json this}}}", { a: [1, "é", null], b: { c: true } }, { helpers: custom }),
  tc("custom block helper chooses fn or inverse", "{{#each l}}{{#ifEven .}}E{{else}}O{{/ifEven}}{{/each}}", { l: [1, 2, 3] }, { helpers: custom }),
  tc("block helper with private data frame and block params", "{{#repeat 3 as |i label|}}{{@n}}{{#if @odd}}o{{/if}}{{i}}{{label}}{{@root.x}} {{/repeat}}", { x: "!" }, { helpers: custom }),
  tc("private data frames nest with @../", "{{#repeat 2}}{{#repeat 2}}{{@../n}}{{@n}} {{/repeat}}{{/repeat}}", {}, { helpers: custom }),
  tc("block helper with new context", "{{#withUpper name}}{{up}}{{name}}{{/withUpper}}", { name: "Ann" }, { helpers: custom }),
  tc("block helper over items", "{{#list items}}{{name}}{{/list}}", { items: [{ name: "<a>" }, { name: "b" }] }, { helpers: custom }),
  tc("custom helperMissing hook", "{{nope}} {{nope 1}} {{#nope}}x{{/nope}}", {}, { helpers: { helperMissing: (...a: unknown[]) => `[missing ${(a[a.length - 1] as HelperOptions).name}/${a.length}]` } }),
  tc("custom blockHelperMissing hook", "{{#thing}}x{{/thing}}|{{#nope}}y{{/nope}}", { thing: "v" }, { helpers: { blockHelperMissing: (ctx: unknown, o: HelperOptions) => `<${String(ctx)}:${o.name}>` } }),
  tc("overriding a built-in helper", "{{#if x}}yes{{/if}}", { x: false }, { helpers: { if: (_c: unknown, o: Block) => o.fn("ignored") + "!" } }),
  tc("formatDate defaults (en, UTC, medium)", "{{formatDate at}}", { at }, { helpers: intl }),
  tc("formatDate in the subscriber's locale and zone", "{{formatDate at}} | {{formatDate at dateStyle='long' timeStyle='short'}}", { at, ...subscriberRu }, { helpers: intl }),
  tc("formatDate with explicit hash", "{{formatDate ms locale='de-DE' timeZone='America/New_York' dateStyle='full' timeStyle='none'}}", { ms: Date.parse(at) }, { helpers: intl }),
  tc("formatDate accepts Date objects", "{{formatDate d timeZone='Asia/Tokyo'}}", { d: new Date(at) }, { helpers: intl }),
  tc("formatDate renders invalid input as empty", "[{{formatDate bad}}][{{formatDate nope}}][{{formatDate at timeZone='Mars/Base'}}][{{formatDate obj}}]", { bad: "yesterday", at, obj: {} }, { helpers: intl }),
  tc("formatNumber in en and ru", "{{formatNumber n}} | {{formatNumber n locale='ru' maximumFractionDigits=1}} | {{formatNumber '42' minimumFractionDigits=2}}", { n: 1234567.891 }, { helpers: intl }),
  tc("formatNumber renders invalid input as empty", "[{{formatNumber 'abc'}}][{{formatNumber n}}][{{formatNumber 1 minimumFractionDigits=5 maximumFractionDigits=1}}]", { n: Infinity }, { helpers: intl }),
  tc("formatCurrency RUB for a Russian subscriber", "{{formatCurrency amount 'RUB'}} / {{formatCurrency amount 'USD' locale='en-US'}}", { amount: 1250.5, ...subscriberRu }, { helpers: intl }),
  tc("formatCurrency invalid currency is empty", "[{{formatCurrency 1 'RUBLES'}}][{{formatCurrency 1}}][{{formatCurrency 'x' 'EUR'}}]", {}, { helpers: intl }),
  tc("locale from @root inside each", "{{#each items}}{{formatCurrency price 'RUB'}};{{/each}}", { items: [{ price: 10 }, { price: 2000 }], ...subscriberRu }, { helpers: intl }),
  tc("comparison helpers in if", "{{#if (eq a 1)}}eq{{/if}} {{#if (ne a 2)}}ne{{/if}} {{#if (gt a 0)}}gt{{/if}} {{#if (lt a 0)}}lt{{else}}!lt{{/if}} {{#if (gt a '0')}}mixed{{else}}!mixed{{/if}}", { a: 1 }, { helpers: intl }),
  tc("logic helpers follow if truthiness", "{{and a b}} {{and a e}} {{or e z}} {{or e a}} {{not e}} {{not a}} {{#if (and a (not z))}}ok{{/if}}", { a: 1, b: "x", e: [], z: 0 }, { helpers: intl }),
  tc("default helper", "Hi {{default subscriber.name 'friend'}}, {{default empty 'friend'}}, {{default zero 'n/a'}}", { subscriber: {}, empty: "", zero: 0 }, { helpers: intl }),
  tc("uppercase and lowercase with Cyrillic", "{{uppercase name}} {{lowercase 'ÄБВ'}} [{{uppercase missing}}]", { name: "Ольга straße" }, { helpers: intl }),
  tc("truncate never splits an emoji", "{{truncate t 4}}|{{truncate t 3 suffix=''}}|{{truncate t 100}}|{{truncate t 'x'}}", { t: "😀👍🎉🚀 done" }, { helpers: intl }),
  tc("typical push template", "{{uppercase event.type}}: {{default subscriber.name 'friend'}}, {{#if (gt data.count 1)}}{{data.count}} items{{else}}one item{{/if}} for {{formatCurrency data.total 'RUB'}}", { event: { type: "order.paid" }, data: { count: 3, total: 990 }, ...subscriberRu }, { helpers: intl }),
];
