/** Corpus: output, escaping, paths, literals, whitespace and the generated code's `+` quirks. */
import { type CorpusCase, tc } from "./corpus-types.js";

const order = { id: "A-17", total: 1250.5, items: [{ sku: "x1", qty: 2 }, { sku: "y2", qty: 1 }], customer: { name: "Ольга", address: null } };

export const basicCases: CorpusCase[] = [
  tc("plain text passes through", "Hello, world! <b>static</b> & stays", {}),
  tc("empty template", "", { a: 1 }),
  tc("simple variable", "Order {{id}} confirmed", order),
  tc("missing variable renders empty", "[{{nope}}]", order),
  tc("nested path", "{{customer.name}} / {{items.length}}", order),
  tc("deep path through missing object", "[{{a.b.c.d}}][{{customer.address.city.name}}]", order),
  tc("path through null, 0, false and empty string", "[{{n.x}}][{{z.x}}][{{f.x}}][{{e.x}}][{{e.length}}]", { n: null, z: 0, f: false, e: "" }),
  tc("HTML special characters are escaped", "{{s}}", { s: `& < > " ' \` = done` }),
  tc("triple-stache does not escape", "{{{s}}}", { s: "<i>&amp;</i>" }),
  tc("ampersand mustache does not escape", "{{&s}}", { s: "<i>x</i>" }),
  tc("escaped mustaches stay literal", "\\{{name}} and \\\\{{name}} {{name}}", { name: "N" }),
  tc("comments render nothing", "a{{! short }}b{{!-- long {{with}} }} --}}c", {}),
  tc("numbers print as JavaScript does", "{{i}} {{f}} {{neg}} {{zero}} {{big}} {{small}} {{nan}}", { i: 42, f: 3.14, neg: -7, zero: 0, big: 1e21, small: 1e-7, nan: NaN }),
  tc("booleans print", "{{t}} {{f}}", { t: true, f: false }),
  tc("null and undefined print empty", "[{{n}}][{{u}}]", { n: null, u: undefined }),
  tc("arrays print joined", "{{a}} | {{nested}} | {{empty}}", { a: [1, 2, 3], nested: [1, [2, [3, "<"]]], empty: [] }),
  tc("objects print like String(object)", "{{o}}", { o: { a: 1 } }),
  tc("Cyrillic text and values", "Здравствуйте, {{customer.name}}! Заказ №{{id}}", order),
  tc("emoji and astral characters", "🚚 {{msg}} 👩‍💻 {{flag}}", { msg: "в пути 📦", flag: "🇷🇺" }),
  tc("segment literal path", "{{[foo bar]}} {{obj.[with space]}} {{arr.[1]}} {{[@odd]}}", { "foo bar": 1, obj: { "with space": 2 }, arr: ["a", "b"], "@odd": 3 }),
  tc("this, ./ and this.x", "{{this.id}} {{./id}} {{#with customer}}{{this.name}}{{/with}}", order),
  tc("this and dot print the context", "{{#each list}}[{{this}}|{{.}}]{{/each}}", { list: ["a", 1, true] }),
  tc("@root reaches the top context", "{{#with customer}}{{@root.id}} {{name}}{{/with}}", order),
  tc("string literal in mustache position is a key", `{{"foo"}} {{'bar baz'}}`, { foo: "F", "bar baz": "B" }),
  tc("number and boolean literals as keys", "{{1}} {{true}} {{null}} {{undefined}}", { 1: "one", true: "yes", null: "nil", undefined: "undef" }),
  tc("string context exposes own length", "{{length}} {{this}} {{0}}", "abc"),
  tc("array context", "{{length}} {{[0]}} {{#each this}}{{.}}{{/each}}", ["x", "y"]),
  tc("null context", "[{{a}}][{{this}}][{{#if this}}y{{else}}n{{/if}}]", null),
  tc("unescaped numbers add up: {{{a}}}{{{b}}} is 3", "{{{a}}}{{{b}}}", { a: 1, b: 2 }),
  tc("escaped numbers concatenate", "{{a}}{{b}}", { a: 1, b: 2 }),
  tc("leading content keeps concatenation", "x{{{a}}}{{{b}}}", { a: 1, b: 2 }),
  tc("booleans add as numbers", "{{{t}}}{{{t}}}{{{a}}}", { t: true, a: 1 }),
  tc("addition inside a block body", "{{#if t}}{{{a}}}{{{b}}}{{/if}}|{{#each l}}{{{a}}}{{{.}}}{{/each}}", { t: 1, a: 1, b: 2, l: [10, 20] }),
  tc("ambiguous block splits the sums", "{{{a}}}{{{b}}}{{#c}}-{{/c}}{{{a}}}{{{b}}}{{#c}}-{{/c}}{{{a}}}{{{b}}}", { a: 1, b: 2, c: true }),
  tc("ambiguous block first, then sums", "{{#c}}{{/c}}{{{a}}}{{{b}}}{{#c}}{{/c}}{{{b}}}{{{a}}}", { a: 1, b: 2, c: true }),
  tc("a block helper returning nothing keeps the sum numeric", "{{{a}}}{{{b}}}{{#nothing}}{{/nothing}}{{{c}}}", { a: 1, b: 2, c: 4 }, { helpers: { nothing: () => undefined } }),
  tc("tilde strips whitespace", "a  {{~x~}}  b {{~y}}  \n c", { x: "X", y: "Y" }),
  tc("standalone block lines are removed", "list:\n  {{#each l}}\n  - {{.}}\n  {{/each}}\nend\n", { l: [1, 2] }),
  tc("standalone comments and else lines", "a\n{{! note }}\n{{#if x}}\nyes\n{{else}}\nno\n{{/if}}\nb", { x: false }),
  tc("tilde around else", "{{#if x}} A {{~else~}} B {{/if}}|{{#if y~}} C {{~^~}} D {{~/if}}", { x: false, y: true }),
  tc("non-standalone blocks keep whitespace", "  {{#if x}} a {{/if}}  \n", { x: 1 }),
  tc("CRLF line endings around standalone blocks", "a\r\n{{#if x}}\r\nb\r\n{{/if}}\r\nc", { x: 1 }),
  tc("noEscape option leaves values raw", "{{s}} {{{s}}} {{a}}{{b}}", { s: "<b>", a: 1, b: 2 }, { noEscape: true }),
  tc("initial data from options", "{{@greeting}} {{@root.name}} {{#each l}}{{@greeting}}{{/each}}", { name: "n", l: [1] }, { data: { greeting: "hi" } }),
  tc("data option with its own root", "{{@root.x}}|{{x}}", { x: "ctx" }, { data: { root: { x: "data-root" } } }),
  tc("function in data is called with the context as this", "{{fn}} {{obj.fn}} {{#with obj}}{{fn}}{{/with}}", {
    name: "top",
    fn(this: { name: string }) {
      return `fn:${this.name}`;
    },
    obj: {
      name: "obj",
      fn(this: { name?: string }) {
        return `nested:${this.name}`;
      },
    },
  }),
  tc("{{mythis}} is a scoped path, not a helper", "{{mythis}} {{this-x}}", { mythis: "ctx", "this-x": "dash" }, { helpers: { mythis: () => "HELPER" } }),
  tc("raw block leaves mustaches alone", "{{{{raw}}}} {{x}} {{#if}} {{{{/raw}}}}", { x: 1 }, { helpers: { raw: (options: { fn: () => string }) => options.fn() } }),
];
