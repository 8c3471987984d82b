/**
 * Herald's Handlebars renderer: the official parser, an interpreter instead of
 * the code generator. Same output as `Handlebars.compile(source)(context)` with
 * default runtime options (prototype access denied), but it never calls `eval`
 * or `new Function`, so it runs on Cloudflare Workers, where
 * `Handlebars.compile` throws `EvalError`.
 *
 * Known divergences from Handlebars:
 * - renders are bounded (`RENDER_LIMITS`): partial nesting, statements
 *   executed, output size; Handlebars overflows the stack or runs on;
 * - denied prototype access is not logged to the console;
 * - the built-in `{{log}}` renders nothing, as in Handlebars, but writes nothing either: its
 *   arguments come from event data, and Handlebars writes them to the console, where they would
 *   pass for lines of Herald's JSON log (a caller may still register a `log` helper of its own);
 * - `noEscape` is a render option and covers every partial of the render;
 * - each partial call gets its own `container`; Handlebars shares one per
 *   compiled partial, visible only to recursive partials that define inline
 *   partials differently per call;
 * - `options.blockParams` follows the compiler's rule, except where Handlebars
 *   reuses an identical sub-program compiled elsewhere in the same template.
 *
 * @example
 * const t = compileTemplate("Hi {{default subscriber.name 'friend'}}!");
 * t.render({ subscriber: {} }, { helpers: defaultHelpers }); // "Hi friend!"
 */
import Handlebars from "handlebars";
import { toRenderError } from "./errors.js";
import { runTemplate } from "./interpreter.js";
import type { TemplateIR } from "./ir.js";
import { type Data, officialEnv, type RenderState } from "./runtime.js";
import { registerTemplate, templateIR } from "./template-cache.js";
import type { CompiledTemplate, RenderOptions } from "./types.js";

export { TemplateRenderError, TemplateSyntaxError, type TemplateRenderErrorCode } from "./errors.js";
export { RENDER_LIMITS } from "./runtime.js";
export type { CompiledTemplate, HelperFn, HelperOptions, RenderOptions, SourcePosition, TemplateDelegate } from "./types.js";

const createFrame = Handlebars.createFrame as (data: unknown) => Data;
const EMPTY_PARTIALS: Record<string, unknown> = Object.freeze({});

/**
 * Parses `source` once (throws `TemplateSyntaxError`); the result renders many
 * times and can be passed as a partial.
 */
export function compileTemplate(source: string): CompiledTemplate {
  const ir = templateIR(source);
  const template: CompiledTemplate = {
    source,
    render: (context, options) => renderIR(ir, context, options),
  };
  registerTemplate(template, ir);
  return Object.freeze(template);
}

/** `compileTemplate(source).render(context, options)` with the parse cached (LRU of 500 sources). */
export function renderTemplate(source: string, context: unknown, options?: RenderOptions): string {
  return renderIR(templateIR(source), context, options);
}

/** Throws `TemplateRenderError` (missing helper or partial, limits, helper failures). */
function renderIR(ir: TemplateIR, context: unknown, options: RenderOptions = {}): string {
  const rs = renderState(options);
  try {
    return runTemplate({ tpl: ir, rs, c: { partials: (options.partials as Record<string, unknown> | undefined) ?? EMPTY_PARTIALS } }, context, initData(context, options.data));
  } catch (error) {
    throw toRenderError(error);
  }
}

type HelperTable = Pick<RenderState, "helpers" | "helperMissing" | "blockHelperMissing">;

// Merged tables for frozen helper maps (such as `defaultHelpers`): they cannot change, so merge once.
const frozenTables = new WeakMap<object, HelperTable>();
let builtinTable: HelperTable | undefined;

function renderState(options: RenderOptions): RenderState {
  const own = options.helpers;
  let table = own ? frozenTables.get(own) : builtinTable;
  if (!table) {
    table = helperTable(own);
    if (!own) builtinTable = table;
    else if (Object.isFrozen(own)) frozenTables.set(own, table);
  }
  // Spelled out: spreading `table` takes a slow V8 path (microseconds per render).
  const { helpers, helperMissing, blockHelperMissing } = table;
  return { helpers, helperMissing, blockHelperMissing, noEscape: !!options.noEscape, steps: 0, partialDepth: 0, onMissing: options.onMissing };
}

/** Handlebars' `log` without the console: it renders nothing (see the divergences above). */
function silentLog(): undefined {
  return undefined;
}

/** `_setup`: built-ins, then the caller's helpers; `helperMissing`/`blockHelperMissing` become hooks. */
function helperTable(own: RenderOptions["helpers"]): HelperTable {
  const helpers: Record<string, unknown> = Object.create(null);
  for (const source of [officialEnv.helpers, { log: silentLog }, own]) {
    if (source) for (const name of Object.keys(source)) helpers[name] = source[name];
  }
  const table: HelperTable = { helpers, helperMissing: undefined, blockHelperMissing: undefined };
  if (helpers.helperMissing) {
    table.helperMissing = helpers.helperMissing;
    helpers.helperMissing = undefined;
  }
  if (helpers.blockHelperMissing) {
    table.blockHelperMissing = helpers.blockHelperMissing;
    helpers.blockHelperMissing = undefined;
  }
  return table;
}

/** `initData`: `@root` is the context unless the caller's data brings one. */
function initData(context: unknown, data: Record<string, unknown> | undefined): Data {
  if (data && "root" in data) return data;
  const frame: Data = data ? createFrame(data) : {};
  frame.root = context;
  return frame;
}
