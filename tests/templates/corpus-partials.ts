/** Corpus: partials, partial blocks, inline partials, dynamic names, indentation. */
import { type CorpusCase, tc } from "./corpus-types.js";
import type { HelperFn } from "../../src/templates/types.js";

const tree = { name: "root", children: [{ name: "a", children: [{ name: "a1", children: [] }] }, { name: "b", children: [] }] };
const pick: Record<string, HelperFn> = { pick: (name: unknown) => name, concat: (...a: unknown[]) => a.slice(0, -1).join("") };

export const partialCases: CorpusCase[] = [
  tc("simple partial sees the current context", "Hi {{> name}}!", { first: "Ann" }, { partials: { name: "{{first}}" } }),
  tc("partial with a context argument", "{{> card customer}}", { customer: { name: "C", vip: true } }, { partials: { card: "{{name}}{{#if vip}}*{{/if}}" } }),
  tc("partial with hash arguments", "{{> badge label='new' count=n}}", { n: 3, color: "red" }, { partials: { badge: "[{{label}}:{{count}}:{{color}}]" } }),
  tc("partial with context and hash", "{{> badge item label='x'}}", { item: { count: 1, label: "orig" } }, { partials: { badge: "[{{label}}:{{count}}]" } }),
  tc("partial context is a primitive", "{{#each l}}{{> p .}}{{/each}}", { l: [1, "a"] }, { partials: { p: "<{{this}}>" } }),
  tc("partial cannot climb above its own context", "{{#with a}}{{> p}}{{/with}}", { x: "top", a: { x: "a" } }, { partials: { p: "[{{x}}][{{../x}}][{{@root.x}}]" } }),
  tc("partial inside each keeps @index and @root", "{{#each l}}{{> item}}{{/each}}", { l: ["a", "b"], t: "!" }, { partials: { item: "{{@index}}={{.}}{{@root.t}} " } }),
  tc("nested partials", "{{> outer}}", { v: 1 }, { partials: { outer: "o({{> inner}})", inner: "i{{v}}" } }),
  tc("partial names with slashes, dots and quotes", "{{> dir/name}}|{{> 'my partial'}}|{{> a.b}}", {}, { partials: { "dir/name": "slash", "my partial": "quoted", "a.b": "dotted" } }),
  tc("partial block passes its body as @partial-block", "{{#> layout title='T'}}<p>{{body}}</p>{{/layout}}", { body: "B" }, { partials: { layout: "<h1>{{title}}</h1>{{> @partial-block}}<footer/>" } }),
  tc("partial block failover when the partial is missing", "{{#> missing}}fallback {{x}}{{/missing}}", { x: 1 }),
  tc("nested layouts each get their own @partial-block", "{{#> outer}}inner-content{{/outer}}", {}, { partials: { outer: "O[{{#> middle}}M[{{> @partial-block}}]{{/middle}}]", middle: "m({{> @partial-block}})" } }),
  tc("partial block body runs in the caller's context", "{{#with user}}{{#> frame who='layout'}}{{name}}/{{who}}{{/frame}}{{/with}}", { user: { name: "U" } }, { partials: { frame: "<{{who}}|{{> @partial-block}}>" } }),
  tc("@partial-block rendered twice", "{{#> twice}}x{{/twice}}", {}, { partials: { twice: "{{> @partial-block}}{{> @partial-block}}" } }),
  tc("inline partial", "{{#*inline 'row'}}<{{.}}>{{/inline}}{{#each l}}{{> row}}{{/each}}", { l: [1, 2] }),
  tc("inline partial defined inside a block", "{{#if t}}{{#*inline 'p'}}in-if{{/inline}}{{> p}}{{/if}}", { t: true }),
  tc("inline partial is visible in called partials", "{{#*inline 'leaf'}}LEAF{{/inline}}{{> branch}}", {}, { partials: { branch: "b({{> leaf}})" } }),
  tc("inline partials of a partial block reach the layout", "{{#> layout}}{{#*inline 'header'}}Custom header{{/inline}}body{{/layout}}", {}, { partials: { layout: "<h>{{> header}}</h><b>{{> @partial-block}}</b>" } }),
  tc("inline partial overrides a registered one", "{{#*inline 'p'}}inline{{/inline}}{{> p}}", {}, { partials: { p: "registered" } }),
  tc("standalone partial is indented", "<ul>\n  {{> items}}\n</ul>\n", { l: ["a", "b"] }, { partials: { items: "{{#each l}}\n<li>{{.}}</li>\n{{/each}}\n" } }),
  tc("indentation of nested standalone partials", "a\n  {{> outer}}\nz", {}, { partials: { outer: "o1\n  {{> inner}}\no2\n", inner: "i1\ni2\n" } }),
  tc("non-standalone partial is not indented", "x {{> p}} y\n", {}, { partials: { p: "1\n2" } }),
  tc("dynamic partial name from a helper", "{{> (pick which) }}|{{> (concat 'p' n)}}", { which: "a", n: 2 }, { helpers: pick, partials: { a: "A", p2: "P2" } }),
  tc("dynamic partial name from lookup", "{{#each l}}{{> (lookup . 'tpl') }}{{/each}}", { l: [{ tpl: "x", v: 1 }, { tpl: "y", v: 2 }] }, { partials: { x: "X{{v}}", y: "Y{{v}}" } }),
  tc("recursive partial renders a tree", "{{> node}}", tree, { partials: { node: "{{name}}{{#if children}}({{#each children}}{{> node}}{{#unless @last}},{{/unless}}{{/each}}){{/if}}" } }),
  tc("partials see helpers and escape", "{{> p}}", { v: "<x>" }, { helpers: pick, partials: { p: "{{pick v}}{{{pick v}}}" } }),
  tc("partial in noEscape render", "{{> p}}", { v: "<x>" }, { partials: { p: "{{v}}" }, noEscape: true }),
  tc("partial in a standalone block line", "{{#if t}}\n  {{> p}}\n{{/if}}\n", { t: 1 }, { partials: { p: "line\n" } }),
  tc("empty partial", "[{{> e}}]", {}, { partials: { e: "" } }),
];
