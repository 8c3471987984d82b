/**
 * Partial invocation, following handlebars/runtime.js (`invokePartialWrapper`,
 * `resolvePartial`, `invokePartial`): hash merged into the context,
 * `@partial-block`, failover content, inline partials of a partial block,
 * standalone indentation.
 */
import Handlebars from "handlebars";
import { TemplateRenderError } from "./errors.js";
import type { TemplateIR } from "./ir.js";
import { lookupOwnProperty } from "./lookup.js";
import { type Data, noop, type PartialOptions, type ProgramFn, RENDER_LIMITS, type RenderState } from "./runtime.js";
import { partialIR } from "./template-cache.js";

const { createFrame, extend } = Handlebars.Utils as unknown as {
  createFrame: (data: unknown) => Data;
  extend: <T>(target: T, ...sources: unknown[]) => T;
};

export type TemplateRunner = (rs: RenderState, tpl: TemplateIR, context: unknown, options: PartialOptions) => string;

function exception(message: string): Error {
  return new Handlebars.Exception(message);
}

export function invokePartial(rs: RenderState, found: unknown, context: unknown, options: PartialOptions, run: TemplateRunner): unknown {
  if (options.hash) context = extend({}, context, options.hash);
  const partial = resolvePartial(found, options);
  if (rs.partialDepth >= RENDER_LIMITS.maxPartialDepth) {
    throw new TemplateRenderError(`Partials nested deeper than ${RENDER_LIMITS.maxPartialDepth} levels (recursive partial?)`, "limit-exceeded");
  }
  rs.partialDepth++;
  try {
    let result = invokeResolved(partial, context, options);
    if (result == null && typeof partial === "function") {
      throw exception(`The partial ${options.name} returned no output: partials must return a string`);
    }
    if (result == null) {
      const tpl = partialIR(partial);
      if (!tpl) throw exception(`The partial ${options.name} could not be compiled: partials must be strings or functions returning strings`);
      result = run(rs, tpl, context, options);
    }
    return options.indent ? indent(result, options.indent) : result;
  } finally {
    rs.partialDepth--;
  }
}

function resolvePartial(partial: unknown, options: PartialOptions): unknown {
  if (!partial) {
    if (options.name === "@partial-block") return lookupOwnProperty(options.data, "partial-block");
    return lookupOwnProperty(options.partials, options.name as string);
  }
  if (typeof partial !== "function" && !options.name) {
    // `{{> (expr) }}` produced a name: only registered partials are reachable by it.
    options.name = partial as string;
    return lookupOwnProperty(options.partials, partial as string);
  }
  return partial;
}

function invokeResolved(partial: unknown, context: unknown, options: PartialOptions): unknown {
  const currentPartialBlock = lookupOwnProperty(options.data, "partial-block");
  options.partial = true;
  let partialBlock: ProgramFn | undefined;
  const fn = options.fn;
  if (fn && fn !== noop) {
    const data = (options.data = createFrame(options.data));
    partialBlock = data["partial-block"] = (blockContext?: unknown, blockOptions: { data?: Data } = {}) => {
      // While the block body runs, `@partial-block` is the one from around the call site.
      const blockData = (blockOptions.data = createFrame(blockOptions.data));
      blockData["partial-block"] = currentPartialBlock;
      return fn(blockContext, blockOptions);
    };
    if (fn.partials) options.partials = extend({}, options.partials, fn.partials);
  }
  if (partial === undefined && partialBlock) partial = partialBlock;
  if (partial === undefined) throw exception(`The partial ${options.name} could not be found`);
  if (typeof partial === "function") return (partial as ProgramFn)(context, options as { data?: Data });
  return undefined;
}

function indent(result: unknown, prefix: string): string {
  if (typeof result !== "string") throw new TypeError("result.split is not a function");
  const lines = result.split("\n");
  for (let i = 0, l = lines.length; i < l; i++) {
    if (!lines[i] && i + 1 === l) break;
    lines[i] = prefix + lines[i];
  }
  return lines.join("\n");
}
