/** Corpus: built-in block helpers, mustache-style sections, depths and block params. */
import { type CorpusCase, tc } from "./corpus-types.js";

const values: Record<string, unknown> = {
  null: null,
  undefined: undefined,
  zero: 0,
  false: false,
  "empty string": "",
  "empty array": [],
  "empty object": {},
  "string 0": "0",
  "array [0]": [0],
  "NaN": NaN,
  "negative": -1,
};

/** Each edge value through if / unless / each / with / a section / an inverse section. */
const edgeCases: CorpusCase[] = Object.entries(values).map(([label, v]) =>
  tc(
    `edge value ${label} in if/unless/each/with/sections`,
    "{{#if v}}if{{else}}!if{{/if}} {{#unless v}}unless{{/unless}} {{#each v}}e{{@index}}{{else}}!each{{/each}} {{#with v}}with{{else}}!with{{/with}} {{#v}}sec{{/v}} {{^v}}inv{{/v}} [{{v}}]",
    { v },
  ),
);

const people = { people: [{ name: "Ann", tags: ["a", "b"] }, { name: "Bob", tags: [] }, { name: "Сергей", tags: ["c"] }], title: "T" };

export const blockCases: CorpusCase[] = [
  ...edgeCases,
  tc("if includeZero renders 0", "{{#if z includeZero=true}}yes{{else}}no{{/if}} {{#if f includeZero=true}}yes{{else}}no{{/if}}", { z: 0, f: false }),
  tc("if with a function conditional", "{{#if fn}}called{{else}}not{{/if}}", { fn: () => false }),
  tc("else if chain", "{{#each n}}{{#if (lookup ../flags .)}}[{{.}}]{{else if (lookup ../other .)}}({{.}}){{else}}-{{/if}}{{/each}}", { n: ["a", "b", "c"], flags: { a: 1 }, other: { b: 1 } }),
  tc("unless with else", "{{#unless ok}}bad{{else}}good{{/unless}}", { ok: true }),
  tc("each with @index @first @last", "{{#each l}}{{@index}}:{{.}}{{#if @first}}<{{/if}}{{#if @last}}>{{/if}} {{/each}}", { l: ["a", "b", "c"] }),
  tc("each over empty array uses else", "{{#each l}}x{{else}}empty{{/each}}", { l: [] }),
  tc("each over object gives @key", "{{#each o}}{{@key}}={{.}}{{#if @last}}.{{else}},{{/if}}{{/each}}", { o: { b: 2, a: 1, "<k>": "<v>" } }),
  tc("each over numeric-keyed object orders keys like JavaScript", "{{#each o}}{{@key}}{{/each}}", { o: { z: 1, 2: 1, 1: 1, a: 1 } }),
  tc("each over array gives @key = index", "{{#each l}}{{@key}}{{/each}}", { l: ["x", "y"] }),
  tc("each skips holes in sparse arrays", "{{#each l}}{{@index}}{{/each}}", { l: [1, , 3] }), // eslint-disable-line no-sparse-arrays
  tc("each over string, number and true renders the inverse", "{{#each s}}x{{else}}s{{/each}}{{#each n}}x{{else}}n{{/each}}{{#each t}}x{{else}}t{{/each}}", { s: "ab", n: 3, t: true }),
  tc("each over a Map and a Set", "{{#each m}}{{@index}}{{.}};{{/each}}|{{#each s}}{{.}}{{@last}}{{/each}}", { m: new Map([["k", "v"]]), s: new Set(["a", "b"]) }),
  tc("nested each with ../ and @../index", "{{#each people}}{{#each tags}}{{../name}}#{{@../index}}.{{@index}}={{.}}({{../../title}}) {{else}}{{name}}:none {{/each}}{{/each}}", people),
  tc("each with block params", "{{#each people as |p i|}}{{i}}:{{p.name}}{{#each p.tags as |t|}}[{{p.name}}/{{t}}]{{/each}} {{/each}}", people),
  tc("block param shadows a context key", "{{#each l as |name|}}{{name}}/{{this.name}} {{/each}}", { l: [{ name: "inner" }], name: "outer" }),
  tc("@item reads a block param named item", "{{#each l as |item|}}{{@item}}{{/each}}", { l: [1, 2] }),
  tc("with changes context and else", "{{#with customer}}{{name}} {{../id}}{{else}}none{{/with}} {{#with missing}}x{{else}}none{{/with}}", { id: 7, customer: { name: "C" } }),
  tc("with block param", "{{#with customer as |c|}}{{c.name}}/{{name}}{{/with}}", { customer: { name: "C" } }),
  tc("with over a function result", "{{#with fn}}{{a}}{{/with}}", { fn: () => ({ a: "from fn" }) }),
  tc("../ skips levels whose context did not change", "{{#with a}}{{#with ../a}}{{../../x}}|{{../x}}{{/with}}{{/with}}", { x: "root", a: { x: "a" } }),
  tc("../this and ../../ from each inside with", "{{#with outer}}{{#each list}}{{../label}}:{{../../top}}:{{.}} {{/each}}{{/with}}", { top: "T", outer: { label: "L", list: [1, 2] } }),
  tc("@root inside nested blocks", "{{#each a}}{{#each b}}{{@root.t}}{{/each}}{{/each}}", { t: "!", a: [{ b: [1, 2] }] }),
  tc("inverse section", "{{^items}}no items{{/items}}{{^flag}}off{{/flag}}", { items: [], flag: false }),
  tc("section over array iterates", "{{#items}}[{{name}}@{{@index}}]{{/items}}", { items: [{ name: "a" }, { name: "b" }] }),
  tc("section over object changes context", "{{#obj}}{{a}}{{/obj}}", { obj: { a: "in" } }),
  tc("section over true keeps context", "{{#flag}}{{name}}{{/flag}}", { flag: true, name: "n" }),
  tc("section over string uses it as context", "{{#s}}[{{.}}]{{/s}}", { s: "str" }),
  tc("section over function result", "{{#fn}}[{{.}}]{{/fn}}", { fn: () => "called" }),
  tc("section with else", "{{#list}}x{{else}}empty{{/list}}", { list: [] }),
  tc("dotted section path is never a helper", "{{#a.b}}[{{c}}]{{/a.b}}{{#this.a}}{{b.c}}{{/this.a}}", { a: { b: { c: 1 } } }),
  tc("data section @first", "{{#each l}}{{#@first}}first{{/@first}}{{/each}}", { l: [1, 2] }),
  tc("lookup helper by index and key", "{{lookup l 1}} {{lookup o k}} {{lookup o 'missing'}} {{#with (lookup o k)}}{{.}}{{/with}}", { l: ["a", "b"], o: { x: "X" }, k: "x" }),
  tc("lookup on falsy object returns it", "[{{lookup n 'a'}}][{{lookup z 'a'}}]", { n: null, z: 0 }),
  tc("log renders nothing", "a{{log 'quiet' level='debug'}}b", {}),
  tc("each with else if chain", "{{#each l}}x{{else if alt}}alt{{else}}none{{/each}}", { l: [], alt: 1 }),
  tc("empty programs", "[{{#if a}}{{else}}{{/if}}][{{#each l}}{{/each}}]", { a: 1, l: [1] }),
  tc("@index outside each is empty", "[{{@index}}][{{@key}}][{{@first}}]", {}),
  tc("with inside each keeps @index", "{{#each l}}{{#with this}}{{@index}}{{v}}{{/with}}{{/each}}", { l: [{ v: "a" }, { v: "b" }] }),
];
