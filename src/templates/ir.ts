/**
 * The renderer's intermediate form: the Handlebars AST with every decision
 * that `handlebars/compiler/compiler.js` makes at compile time (helper or
 * path, block-param slot, how a program concatenates its output) taken once,
 * so rendering only walks data. Plain data, never code.
 */
import type { SourcePosition } from "./types.js";

export interface Loc {
  start: SourcePosition;
  end: SourcePosition;
}

/** Where a path starts: a block param slot, a data frame (`@x`), or a context (`x`, `../x`, `this`). */
export type PathRef =
  | { t: "bp"; index: number; param: number; parts: string[] }
  | { t: "data"; depth: number; parts: string[] }
  | { t: "ctx"; depth: number; parts: string[] };

export type Expr = { t: "lit"; value: unknown } | { t: "path"; path: PathRef } | { t: "sexpr"; call: Call };

/** Hash pairs as the generated object literal holds them (see `compileHash`). */
export type HashPairs = Array<[key: string, value: Expr]>;

/**
 * A mustache, subexpression or block head, classified like `classifySexpr`:
 * - `helper`: has params or hash; callee is a helper, else a context function, else `helperMissing`
 * - `known`: a built-in helper name (`if`, `each`, ...), called without fallback
 * - `ambiguous`: a bare simple name, helper if one exists, else the context value
 * - `simple`: a path that is never a helper (`this.x`, `a.b`, `../x`, block params)
 */
export interface Call {
  kind: "helper" | "known" | "ambiguous" | "simple";
  /** `options.name` */
  name: string;
  /** Key looked up in the helper map, when this kind consults it. */
  helper: string | undefined;
  path: PathRef;
  params: Expr[];
  hash: HashPairs | undefined;
  loc: Loc;
  /** Pass the block-param stack as `options.blockParams`, as the generated code would here. */
  blockParams: boolean;
}

export interface PartialStmt {
  t: "partial";
  /** Static name, or a subexpression for `{{> (name) }}`. */
  name: string | Call;
  context: Expr | undefined;
  hash: HashPairs | undefined;
  /** Body of `{{#> name}}...{{/name}}`. */
  program: ProgramIR | undefined;
  indent: string;
  blockParams: boolean;
}

export type Stmt =
  | { t: "content"; value: string }
  | { t: "mustache"; call: Call; escaped: boolean }
  | { t: "block"; call: Call; program: ProgramIR | undefined; inverse: ProgramIR | undefined }
  | PartialStmt
  | { t: "none" };

export interface DecoratorIR {
  name: string;
  params: Expr[];
  hash: HashPairs | undefined;
  program: ProgramIR | undefined;
  loc: Loc;
}

/**
 * How Handlebars' generated code joins a program's output (`mergeSource`),
 * which is observable: `{{{a}}}{{{b}}}` with numbers 1 and 2 renders "3".
 * - `simple`: one statement, its value returned as is
 * - `append`: `return s1 + s2 + ...`
 * - `buffered`: ambiguous blocks split the statements into runs, see interpreter
 */
export type Segment = { amb: Stmt } | { run: Stmt[] };

export interface ProgramIR {
  body: Stmt[];
  mode: "simple" | "append" | "buffered";
  segments: Segment[];
  decorators: DecoratorIR[];
  blockParamCount: number;
}

export interface TemplateIR {
  program: ProgramIR;
  /** Some path climbs contexts (`../`) or decorators are used: keep the context stack. */
  useDepths: boolean;
  /** Some path reads a block param (`as |item|`): keep the block-param stack. */
  useBlockParams: boolean;
}
