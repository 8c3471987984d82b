import Handlebars from "handlebars";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzHelpers, fuzzPartials, Gen, prng } from "./fuzz-grammar.js";
import { renderHerald, renderOfficial } from "./handlebars-reference.js";

const SEED = 20240305;
const RUNS = 300;

let loggerLevel: typeof Handlebars.logger.level;
beforeAll(() => {
  loggerLevel = Handlebars.logger.level;
  Handlebars.logger.level = 5 as unknown as typeof Handlebars.logger.level;
});
// Files share a module graph (vitest.config.ts: isolate false): the next one gets Handlebars as it was.
afterAll(() => {
  Handlebars.logger.level = loggerLevel;
});

describe("random templates from the grammar", () => {
  const gen = new Gen(prng(SEED));
  const cases = Array.from({ length: RUNS }, (_, i) => ({
    name: `seed ${SEED} #${i}`,
    template: gen.template(),
    context: gen.object(0),
    helpers: fuzzHelpers,
    partials: fuzzPartials,
  }));

  it.each(cases.map((c) => [c.name, c] as const))("%s renders like Handlebars, or throws when it throws", (_name, c) => {
    const official = renderOfficial(c);
    const ours = renderHerald(c);
    if (official.ok) expect(ours, c.template).toEqual(official);
    else expect(ours.ok, `${c.template}\nHandlebars threw: ${String(official.error)}`).toBe(false);
  });

  it("exercises rendering, not only errors", () => {
    const rendered = cases.map(renderOfficial).filter((o) => o.ok && o.output.length > 0);
    expect(rendered.length).toBeGreaterThan(RUNS * 0.5);
  });
});
