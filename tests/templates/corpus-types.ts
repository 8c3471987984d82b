import type { HelperFn } from "../../src/templates/types.js";

/** One differential case: both engines must render `template` identically. */
export interface CorpusCase {
  name: string;
  template: string;
  context: unknown;
  partials?: Record<string, string>;
  helpers?: Record<string, HelperFn>;
  data?: Record<string, unknown>;
  noEscape?: boolean;
  /** When set, the output must also equal this (e.g. "" where prototype access is denied). */
  expected?: string;
}

/** Shorthand keeping the corpus one case per line. */
export function tc(name: string, template: string, context: unknown, extra: Omit<CorpusCase, "name" | "template" | "context"> = {}): CorpusCase {
  return { name, template, context, ...extra };
}

/** A child data frame, as `Handlebars.createFrame` makes it (without importing Handlebars). */
export function frame(data: unknown): Record<string, unknown> {
  return { ...(data as object), _parent: data };
}
