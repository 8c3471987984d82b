import type { SourcePosition } from "./types.js";

/**
 * The template source does not parse (or uses a construct Handlebars rejects
 * at compile time). `line` is 1-based and `column` 0-based, as in Handlebars.
 */
export class TemplateSyntaxError extends Error {
  override name = "TemplateSyntaxError";
  line?: number;
  column?: number;

  constructor(message: string, position?: Partial<SourcePosition>, options?: { cause?: unknown }) {
    super(message, options);
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** Why a render failed; lets callers map template faults to a 4xx. */
export type TemplateRenderErrorCode =
  | "missing-helper"
  | "missing-partial"
  | "limit-exceeded"
  | "render-failed";

/**
 * Rendering failed: a missing helper or partial, a limit reached, or an
 * error thrown by a helper (kept as `cause`). The message is Handlebars' own
 * where Handlebars would have thrown, e.g. `Missing helper: "x"`.
 */
export class TemplateRenderError extends Error {
  override name = "TemplateRenderError";
  readonly code: TemplateRenderErrorCode;

  constructor(message: string, code: TemplateRenderErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Wraps anything thrown during a render, keeping the original message. */
export function toRenderError(error: unknown): TemplateRenderError {
  if (error instanceof TemplateRenderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  let code: TemplateRenderErrorCode = "render-failed";
  if (message.startsWith("Missing helper: ")) code = "missing-helper";
  else if (/^The partial .* could not be found$/.test(message)) code = "missing-partial";
  else if (error instanceof RangeError && /call stack/i.test(message)) code = "limit-exceeded";
  return new TemplateRenderError(message, code, { cause: error });
}
