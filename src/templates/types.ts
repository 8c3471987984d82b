/**
 * Public types of the template renderer. They describe the Handlebars calling
 * convention so helpers written for Herald also register on `handlebars`.
 */

/** Source position, as Handlebars reports it (line 1-based, column 0-based). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** The last argument every helper receives (`options` in Handlebars' docs). */
export interface HelperOptions {
  /** The helper name as written in the template. */
  name: string;
  /** `key=value` arguments. */
  hash: Record<string, unknown>;
  /** Private data frame: `@root`, `@index`, `@key`, ... */
  data?: Record<string, unknown>;
  /** Renders the block body (block helpers only). */
  fn?: TemplateDelegate;
  /** Renders the `{{else}}` part (block helpers only). */
  inverse?: TemplateDelegate;
  /** Block-param values in scope; present where Handlebars' generated code passes them. */
  blockParams?: unknown[];
  loc?: { start: SourcePosition; end: SourcePosition };
  /** Reads an own property the way templates do (prototype access denied). */
  lookupProperty?: (parent: unknown, name: string) => unknown;
}

/** A block body, as handed to block helpers in `options.fn` / `options.inverse`. */
export type TemplateDelegate = (
  context?: unknown,
  options?: { data?: Record<string, unknown>; blockParams?: unknown[] },
) => string;

/**
 * A helper: positional arguments first, `HelperOptions` last, `this` is the
 * current context. `any` keeps helpers with precise parameter types assignable.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HelperFn = (this: any, ...args: any[]) => unknown;

/** Per-render options. */
export interface RenderOptions {
  /** Extra helpers; they shadow the built-ins (`if`, `each`, ...) of the same name. */
  helpers?: Record<string, HelperFn>;
  /** Partials by name: template source or a template made by `compileTemplate`. */
  partials?: Record<string, string | CompiledTemplate>;
  /** Initial private data (`@foo`); `@root` is added unless present. */
  data?: Record<string, unknown>;
  /** Same meaning as Handlebars' `noEscape` compile option: `{{x}}` is not HTML-escaped. */
  noEscape?: boolean;
  /**
   * Called with the path of each `{{path}}` (or `{{{path}}}`) that rendered nothing because its
   * value is null or undefined: what a preview reports as a placeholder the data does not fill.
   * Only statements that ran count, so a branch not taken reports nothing.
   */
  onMissing?: (path: string) => void;
}

/** A parsed template. Rendering never generates code. */
export interface CompiledTemplate {
  readonly source: string;
  render(context: unknown, options?: RenderOptions): string;
}
