/**
 * Walks the IR the way the JavaScript that `Handlebars.compile` generates
 * would run (see handlebars/compiler/javascript-compiler.js and runtime.js),
 * without generating any: Cloudflare Workers forbid `eval`/`new Function`.
 */
import Handlebars from "handlebars";
import { TemplateRenderError } from "./errors.js";
import type { Call, DecoratorIR, Expr, HashPairs, Loc, PartialStmt, PathRef, ProgramIR, Segment, Stmt, TemplateIR } from "./ir.js";
import { dataAtDepth, lookupProperty } from "./lookup.js";
import { invokePartial } from "./partials.js";
import {
  type Data,
  type Frame,
  NULL_CONTEXT,
  noop,
  officialEnv,
  type PartialOptions,
  type ProgramFn,
  RENDER_LIMITS,
  type RenderState,
  type Scope,
} from "./runtime.js";
import type { HelperOptions } from "./types.js";

const escapeExpression = Handlebars.Utils.escapeExpression as (value: unknown) => string;
type BlockStmt = Extract<Stmt, { t: "block" }>;

/** The generated code's `+`: string concatenation, or numeric addition when both sides are numbers. */
function plus(a: unknown, b: unknown): unknown {
  return (a as string) + (b as string);
}

/** Runs a whole template: Handlebars' `ret(context, options)` after `_setup`. */
export function runTemplate(scope: Scope, context: unknown, data: Data | undefined): string {
  const tpl = scope.tpl;
  const depths = tpl.useDepths ? [context] : undefined;
  const bp = tpl.useBlockParams ? [] : undefined;
  let main = mainFn(scope, data, bp, depths);
  // The root's decorators see `options.depths || []`: no parent context.
  if (tpl.program.decorators.length) main = applyDecorators(scope, tpl.program.decorators, main, data, bp, []);
  return main(context) as string;
}

function mainFn(scope: Scope, data: Data | undefined, bp: unknown[][] | undefined, depths: unknown[] | undefined): ProgramFn {
  return (ctx) => plus("", runBody({ s: scope, ctx, data, bp, depths }, scope.tpl.program));
}

function runTemplatePartial(rs: RenderState, tpl: TemplateIR, context: unknown, options: PartialOptions): string {
  return runTemplate({ tpl, rs, c: { partials: options.partials } }, context, options.data);
}

/** `container.program(...)`/`wrapProgram`: a block body bound to the data and stacks where it was created. */
export function makeProgram(scope: Scope, program: ProgramIR, data: Data | undefined, bp: unknown[][] | undefined, depths: unknown[] | undefined): ProgramFn {
  let prog = programFn(scope, program, data, bp, depths);
  if (program.decorators.length) prog = applyDecorators(scope, program.decorators, prog, data, bp, depths);
  prog.blockParams = program.blockParamCount;
  return prog;
}

// Returned directly rather than bound to a name: bundlers that keep function names
// (esbuild's keepNames, used by tsx) would otherwise wrap every block call.
function programFn(scope: Scope, program: ProgramIR, data: Data | undefined, bp: unknown[][] | undefined, depths: unknown[] | undefined): ProgramFn {
  return (context, options = {}) => {
    let current = depths;
    // Loose `!=` on purpose: the same (or loosely equal) context does not add a `../` level.
    // eslint-disable-next-line eqeqeq
    if (depths && context != depths[0] && !(context === NULL_CONTEXT && depths[0] === null)) current = [context].concat(depths);
    const frameBp = bp && ([options.blockParams] as unknown[][]).concat(bp);
    return runBody({ s: scope, ctx: context, data: options.data || data, bp: frameBp, depths: current }, program);
  };
}

/** `executeDecorators`: runs at program creation, with the creator's data and stacks. */
function applyDecorators(
  scope: Scope,
  decorators: DecoratorIR[],
  prog: ProgramFn,
  data: Data | undefined,
  bp: unknown[][] | undefined,
  depths: unknown[] | undefined,
): ProgramFn {
  const props: { partials?: Record<string, unknown> } = {};
  const f: Frame = { s: scope, ctx: depths && depths[0], data, bp, depths };
  let fn = prog;
  for (const d of decorators) {
    const decorator = lookupProperty(officialEnv.decorators, d.name);
    if (typeof decorator !== "function") throw new Error(`Missing decorator: "${d.name}"`);
    const args = d.params.map((e) => evalExpr(f, e));
    const options: Record<string, unknown> = { name: d.name, hash: evalHash(f, d.hash) };
    if (d.program) {
      options.fn = makeProgram(scope, d.program, data, bp, depths);
      options.inverse = noop;
    }
    options.args = args;
    options.data = data;
    options.loc = copyLoc(d.loc);
    // The official `inline` decorator: swaps `container.partials` while the program runs.
    fn = (decorator(fn, props, scope.c, options) as ProgramFn | undefined) || fn;
  }
  return Object.assign(fn, props);
}

/** A program's body joined like the generated code's `mergeSource` output (see `ProgramIR.mode`). */
export function runBody(f: Frame, p: ProgramIR): unknown {
  let result: unknown;
  const segments = p.segments;
  if (p.mode === "simple") result = statement(f, p.body[0]!);
  else if (p.mode === "append") result = segments.length ? sumRun(f, (segments[0] as { run: Stmt[] }).run) : "";
  else result = buffered(f, segments);
  if (typeof result === "string" && result.length > RENDER_LIMITS.maxOutputLength) {
    throw new TemplateRenderError(`Template output exceeds ${RENDER_LIMITS.maxOutputLength} characters`, "limit-exceeded");
  }
  return result;
}

/** `buffer = c1 + c2; buffer += amb; buffer += (c3 + c4); return buffer + c5 + c6;` */
function buffered(f: Frame, segments: Segment[]): unknown {
  let buffer: unknown = "";
  let k = 0;
  const first = segments[0]!;
  if ("run" in first) {
    buffer = sumRun(f, first.run);
    k = 1;
  }
  for (; k < segments.length; k++) {
    const segment = segments[k]!;
    if ("amb" in segment) {
      // `if (value != null) buffer += value`: no "" substitution, a numeric buffer stays numeric.
      const value = ambiguousBlock(f, segment.amb as BlockStmt);
      if (value != null) buffer = plus(buffer, value);
    } else if (k === segments.length - 1) {
      for (const s of segment.run) buffer = plus(buffer, statement(f, s));
    } else buffer = plus(buffer, sumRun(f, segment.run));
  }
  return buffer;
}

function sumRun(f: Frame, run: Stmt[]): unknown {
  let acc = statement(f, run[0]!);
  for (let i = 1; i < run.length; i++) acc = plus(acc, statement(f, run[i]!));
  return acc;
}

function countStep(rs: RenderState): void {
  if (++rs.steps > RENDER_LIMITS.maxSteps) {
    throw new TemplateRenderError(`Template executed more than ${RENDER_LIMITS.maxSteps} statements`, "limit-exceeded");
  }
}

function ambiguousBlock(f: Frame, s: BlockStmt): unknown {
  countStep(f.s.rs);
  return evalCall(f, s.call, s);
}

/** One statement's contribution: content, escaped value, or raw value (`!= null ? v : ""`). */
function statement(f: Frame, s: Stmt): unknown {
  const rs = f.s.rs;
  countStep(rs);
  let value: unknown;
  switch (s.t) {
    case "content":
      return s.value;
    case "mustache":
      value = evalCall(f, s.call, undefined);
      if (value == null && rs.onMissing) reportMissing(rs, s.call);
      if (s.escaped && !rs.noEscape) return escapeExpression(value);
      break;
    case "block":
      value = evalCall(f, s.call, s);
      break;
    case "partial":
      value = partialStatement(f, s);
      break;
    case "none":
      return "";
  }
  return value != null ? value : "";
}

/** A plain value placeholder (not a helper's output) that came out null or undefined. */
function reportMissing(rs: RenderState, call: Call): void {
  if (call.kind === "simple" || (call.kind === "ambiguous" && lookupProperty(rs.helpers, call.name) === undefined)) {
    rs.onMissing!(call.name || call.path.parts.join("."));
  }
}

function partialStatement(f: Frame, s: PartialStmt): unknown {
  const { rs, c } = f.s;
  const partials = c.partials;
  let name: string | undefined;
  let partial: unknown;
  if (typeof s.name === "string") {
    name = s.name;
    partial = lookupProperty(partials, name);
  } else partial = evalCall(f, s.name, undefined);
  const context = s.context ? evalExpr(f, s.context) : f.ctx;
  const options = { name, hash: s.hash ? evalHash(f, s.hash) : undefined } as PartialOptions;
  if (s.program) {
    options.fn = makeProgram(f.s, s.program, f.data, f.bp, f.depths);
    options.inverse = noop;
  }
  options.data = f.data;
  if (s.blockParams) options.blockParams = f.bp;
  if (s.indent) options.indent = s.indent;
  options.helpers = rs.helpers;
  options.partials = partials;
  options.decorators = officialEnv.decorators;
  return invokePartial(rs, partial, context, options, runTemplatePartial);
}

export function evalExpr(f: Frame, e: Expr): unknown {
  if (e.t === "lit") return e.value;
  if (e.t === "path") return resolvePath(f, e.path, false);
  return evalCall(f, e.call, undefined);
}

function evalHash(f: Frame, pairs: HashPairs | undefined): Record<string, unknown> {
  const hash: Record<string, unknown> = {};
  if (pairs) for (const [key, e] of pairs) hash[key] = evalExpr(f, e);
  return hash;
}

/**
 * Path lookup as emitted by `lookupOnContext`/`lookupData`/`lookupBlockParam`:
 * `falsy` chains stop at any falsy value (`a && a.b`), the others at null/undefined.
 */
function resolvePath(f: Frame, p: PathRef, falsy: boolean): unknown {
  const parts = p.parts;
  let current: unknown;
  if (p.t === "bp") {
    // Throws like the generated `blockParams[i][j]` when a helper passed no block params.
    current = (f.bp as unknown[][])[p.index]![p.param];
  } else if (p.t === "data") {
    current = p.depth ? dataAtDepth(f.data, p.depth) : f.data;
    falsy = true;
  } else current = p.depth ? (f.depths as unknown[])[p.depth] : f.ctx;
  for (let i = 0; i < parts.length; i++) {
    if (falsy ? !current : current == null) return current;
    current = lookupProperty(current, parts[i]!);
  }
  return current;
}

function helperThis(f: Frame): unknown {
  return f.ctx != null ? f.ctx : NULL_CONTEXT;
}

/** Mustache, subexpression or block head; `block` given for block statements. */
function evalCall(f: Frame, call: Call, block: BlockStmt | undefined): unknown {
  const rs = f.s.rs;
  switch (call.kind) {
    case "simple": {
      let value = resolvePath(f, call.path, false);
      // `container.lambda`: a function found in the data is called with the context as `this`.
      if (typeof value === "function") value = Reflect.apply(value, f.ctx, []);
      if (!block) return value;
      return invoke(rs.blockHelperMissing, true, f.ctx, [value], helperOptions(f, call, {}, block));
    }
    case "known": {
      const helper = lookupProperty(rs.helpers, call.name);
      const params = call.params.map((e) => evalExpr(f, e));
      return invoke(helper, true, helperThis(f), params, helperOptions(f, call, evalHash(f, call.hash), block));
    }
    case "helper": {
      let helper = call.helper !== undefined ? lookupProperty(rs.helpers, call.helper) : undefined;
      let registered = true;
      if (!helper) {
        helper = resolvePath(f, call.path, true);
        registered = false;
        if (!helper) {
          helper = rs.helperMissing;
          registered = true;
        }
      }
      const params = call.params.map((e) => evalExpr(f, e));
      return invoke(helper, registered, helperThis(f), params, helperOptions(f, call, evalHash(f, call.hash), block));
    }
    case "ambiguous": {
      let helper = lookupProperty(rs.helpers, call.name);
      let registered = true;
      if (!helper) {
        helper = resolvePath(f, call.path, false);
        registered = false;
      }
      if (helper == null) {
        helper = rs.helperMissing;
        registered = true;
      }
      const options = helperOptions(f, call, {}, block);
      let result = typeof helper === "function" ? invoke(helper, registered, helperThis(f), [], options) : helper;
      // `{{#name}}`: unless `name` is a helper, its value decides (`blockHelperMissing`).
      if (block && !lookupProperty(rs.helpers, call.name)) result = invoke(rs.blockHelperMissing, true, f.ctx, [result], options);
      return result;
    }
  }
}

function helperOptions(f: Frame, call: Call, hash: Record<string, unknown>, block: BlockStmt | undefined): HelperOptions {
  const options: HelperOptions = { name: call.name, hash };
  if (block && (block.program || block.inverse)) {
    options.fn = (block.program ? makeProgram(f.s, block.program, f.data, f.bp, f.depths) : noop) as HelperOptions["fn"];
    options.inverse = (block.inverse ? makeProgram(f.s, block.inverse, f.data, f.bp, f.depths) : noop) as HelperOptions["inverse"];
  }
  options.data = f.data;
  if (call.blockParams) options.blockParams = f.bp;
  options.loc = copyLoc(call.loc);
  return options;
}

/** `helper.call(this, ...params, options)`; registered helpers get `options.lookupProperty` (`wrapHelper`). */
function invoke(fn: unknown, registered: boolean, self: unknown, args: unknown[], options: HelperOptions): unknown {
  if (typeof fn !== "function") throw new TypeError(`"${options.name}" is not a function (helper call)`);
  if (registered) options.lookupProperty = lookupProperty;
  args.push(options);
  return Reflect.apply(fn, self, args);
}

function copyLoc(loc: Loc): Loc {
  return { start: { line: loc.start.line, column: loc.start.column }, end: { line: loc.end.line, column: loc.end.column } };
}
