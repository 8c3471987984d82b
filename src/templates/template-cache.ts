/**
 * Parsed templates by source (a bounded LRU), and the link from a
 * `CompiledTemplate` object back to its IR so it can be used as a partial.
 */
import { compileSource } from "./compile.js";
import type { TemplateIR } from "./ir.js";

const MAX_CACHED = 500;
const bySource = new Map<string, TemplateIR>();
const byTemplate = new WeakMap<object, TemplateIR>();

/** The IR for `source`, parsed once while it stays among the 500 most recently used. */
export function templateIR(source: string): TemplateIR {
  let ir = bySource.get(source);
  if (ir) {
    bySource.delete(source);
  } else {
    ir = compileSource(source);
    if (bySource.size >= MAX_CACHED) bySource.delete(bySource.keys().next().value as string);
  }
  bySource.set(source, ir);
  return ir;
}

export function registerTemplate(template: object, ir: TemplateIR): void {
  byTemplate.set(template, ir);
}

/** IR of a partial given as source or as a template from `compileTemplate`; `undefined` otherwise. */
export function partialIR(partial: unknown): TemplateIR | undefined {
  if (typeof partial === "string") return templateIR(partial);
  if (partial !== null && typeof partial === "object") return byTemplate.get(partial);
  return undefined;
}
