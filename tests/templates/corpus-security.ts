/** Corpus: prototype access is denied exactly as Handlebars 4.6+ denies it by default. */
import { type CorpusCase, tc } from "./corpus-types.js";

class User {
  first = "Ann";
  get full(): string {
    return `${this.first} (getter)`;
  }
  shout(): string {
    return "method";
  }
}

const ctx = { foo: {}, s: "abc", n: 5, arr: [1], fn() {}, user: new User() };

/** Each of these renders "" in both engines. */
export const securityCases: CorpusCase[] = [
  tc("{{constructor}}", "{{constructor}}", ctx),
  tc("{{__proto__}}", "{{__proto__}}", ctx),
  tc("{{foo.constructor.name}}", "{{foo.constructor.name}}", ctx),
  tc("{{constructor.constructor}}", "{{constructor.constructor}}", ctx),
  tc("lookup constructor", `{{lookup this "constructor"}}`, ctx),
  tc("lookup __proto__", `{{lookup this "__proto__"}}{{lookup foo "__proto__"}}`, ctx),
  tc("nested lookup to Function", `{{lookup (lookup this "constructor") "constructor"}}`, ctx),
  tc("with over __proto__ and constructor", "{{#with __proto__}}x{{/with}}{{#with constructor}}{{name}}{{/with}}{{#constructor}}y{{/constructor}}", ctx),
  tc("Object.prototype methods", "{{toString}}{{valueOf}}{{hasOwnProperty}}{{__defineGetter__}}{{__lookupGetter__}}{{isPrototypeOf}}", ctx),
  tc("primitive prototype methods", "{{s.toUpperCase}}{{n.toFixed}}{{arr.map}}{{s.constructor}}", ctx),
  tc("function's own prototype.constructor", "{{fn.prototype.constructor}}{{fn.prototype.constructor.name}}{{fn.constructor}}", ctx),
  tc("class getters and methods on the prototype", "{{user.full}}{{user.shout}}{{#with user}}{{full}}{{shout}}{{/with}}", ctx),
  tc("each over an object lists own keys only", "{{#each user}}{{@key}}{{/each}}", { user: new User() }, { expected: "first" }),
  tc("own properties stay readable", "{{s.length}} {{arr.length}} {{user.first}}", ctx, { expected: "3 1 Ann" }),
  tc("proto names as helper args are denied", "{{#each (lookup this 'constructor')}}x{{/each}}{{#if (lookup s 'toString')}}x{{/if}}", ctx),
  tc("partial names cannot reach the prototype", "{{#> constructor}}{{/constructor}}{{#> toString}}{{/toString}}", ctx),
].map((c) => (c.expected === undefined ? { ...c, expected: "" } : c));
