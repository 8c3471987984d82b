/**
 * Test support only: renders a corpus case with the official
 * `Handlebars.compile` (code generation) and with Herald's renderer, so tests
 * can compare them. Never imported by the renderer itself.
 */
import Handlebars from "handlebars";
import type { CorpusCase } from "./corpus-types.js";
import { compileTemplate } from "../../src/templates/renderer.js";

export type Outcome = { ok: true; output: string } | { ok: false; error: unknown };

function attempt(render: () => string): Outcome {
  try {
    return { ok: true, output: render() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** `Handlebars.create()` with the case's helpers and partials registered, default runtime options. */
export function renderOfficial(c: CorpusCase): Outcome {
  return attempt(() => {
    const hb = Handlebars.create();
    if (c.helpers) hb.registerHelper(c.helpers);
    if (c.partials) hb.registerPartial(c.partials);
    return hb.compile(c.template, { noEscape: c.noEscape })(c.context, { data: c.data });
  });
}

export function renderHerald(c: CorpusCase): Outcome {
  return attempt(() => compileTemplate(c.template).render(c.context, { helpers: c.helpers, partials: c.partials, data: c.data, noEscape: c.noEscape }));
}
