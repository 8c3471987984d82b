/**
 * Parses template source with `Handlebars.parse` (which also applies `~`
 * whitespace control and standalone-line stripping) and lowers the AST to the
 * renderer's IR, mirroring the decisions of `handlebars/compiler/compiler.js`.
 */
import Handlebars from "handlebars";
import { TemplateSyntaxError } from "./errors.js";
import type { Call, DecoratorIR, Expr, HashPairs, Loc, PartialStmt, PathRef, ProgramIR, Segment, Stmt, TemplateIR } from "./ir.js";

type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;
type Sexpr = { type: string; path: Path | hbs.AST.Literal; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash; loc: hbs.AST.SourceLocation };
type LiteralNode = Node & { value?: unknown; original?: unknown };

/** Helpers the Handlebars compiler treats as always present (`knownHelpers`). */
const KNOWN_HELPERS = new Set(["helperMissing", "blockHelperMissing", "each", "if", "unless", "with", "log", "lookup"]);

/** Parses and lowers `source`; throws `TemplateSyntaxError` with Handlebars' message and position. */
export function compileSource(source: string): TemplateIR {
  const ast = parse(source);
  const state: CompileState = { useDepths: false, useBlockParams: false, program: newProgramState() };
  const program = compileProgram(ast, [], state);
  return { program, useDepths: state.useDepths, useBlockParams: state.useBlockParams };
}

function parse(source: string): hbs.AST.Program {
  try {
    return Handlebars.parse(source);
  } catch (error) {
    throw syntaxError(error);
  }
}

function syntaxError(error: unknown): TemplateSyntaxError {
  const e = error as { message?: string; lineNumber?: number; column?: number };
  const message = String(e.message ?? error);
  let line = e.lineNumber;
  let column = e.column;
  const jison = /^(?:Parse|Lexical) error on line (\d+)/.exec(message);
  if (line === undefined && jison) {
    line = Number(jison[1]);
    // The jison parser keeps the failing token's location; read it right after the synchronous throw.
    const lexer = (Handlebars as unknown as { Parser?: { lexer?: { yylloc?: { first_line: number; first_column: number } } } }).Parser?.lexer;
    if (lexer?.yylloc?.first_line === line) column = lexer.yylloc.first_column;
  }
  const where = line === undefined ? "" : column === undefined ? ` (line ${line})` : ` (line ${line}, column ${column})`;
  return new TemplateSyntaxError(message + where, { line, column }, { cause: error });
}

interface CompileState {
  useDepths: boolean;
  useBlockParams: boolean;
  /** The program being lowered (see `compileProgram`). */
  program: ProgramState;
}

/**
 * Handlebars passes `options.blockParams` to a helper when its program's
 * compiler has seen a block-param lookup by then: anywhere in a child program
 * (children compile first) or earlier in the program itself.
 */
interface ProgramState {
  lookupSeen: boolean;
  childUses: boolean;
  sites: Array<{ target: { blockParams: boolean }; seen: boolean }>;
}

function markSite(state: CompileState, target: { blockParams: boolean }): void {
  state.program.sites.push({ target, seen: state.program.lookupSeen });
}

/** Innermost program's block params first, like the compiler's `options.blockParams`. */
type BlockParamStack = Array<string[] | undefined>;

function newProgramState(): ProgramState {
  return { lookupSeen: false, childUses: false, sites: [] };
}

function compileProgram(program: hbs.AST.Program, outer: BlockParamStack, state: CompileState): ProgramIR {
  const parent = state.program;
  state.program = newProgramState();
  const stack: BlockParamStack = [program.blockParams, ...outer];
  const body: Stmt[] = [];
  const decorators: DecoratorIR[] = [];
  for (const node of program.body) body.push(compileStatement(node, stack, state, decorators));
  if (decorators.length) state.useDepths = true;
  const own = state.program;
  for (const site of own.sites) site.target.blockParams = own.childUses || site.seen;
  state.program = parent;
  parent.childUses ||= own.childUses || own.lookupSeen;
  return { body, decorators, blockParamCount: program.blockParams?.length ?? 0, ...joinMode(body) };
}

function joinMode(body: Stmt[]): Pick<ProgramIR, "mode" | "segments"> {
  const segments: Segment[] = [];
  let run: Stmt[] | undefined;
  for (const s of body) {
    if (s.t === "none") continue;
    if (s.t === "block" && s.call.kind === "ambiguous") {
      segments.push({ amb: s });
      run = undefined;
    } else if (run) run.push(s);
    else segments.push({ run: (run = [s]) });
  }
  if (body.length === 1) return { mode: "simple", segments };
  return { mode: segments.some((s) => "amb" in s) ? "buffered" : "append", segments };
}

function compileStatement(node: Node, stack: BlockParamStack, state: CompileState, decorators: DecoratorIR[]): Stmt {
  switch (node.type) {
    case "ContentStatement": {
      const value = (node as hbs.AST.ContentStatement).value;
      return value ? { t: "content", value } : { t: "none" };
    }
    case "MustacheStatement": {
      const m = node as hbs.AST.MustacheStatement;
      return { t: "mustache", call: compileCall(m as Sexpr, stack, state), escaped: m.escaped };
    }
    case "BlockStatement": {
      const b = node as hbs.AST.BlockStatement;
      const program = b.program ? compileProgram(b.program, stack, state) : undefined;
      const inverse = b.inverse ? compileProgram(b.inverse, stack, state) : undefined;
      return { t: "block", call: compileCall(b as Sexpr, stack, state, true), program, inverse };
    }
    case "PartialStatement":
    case "PartialBlockStatement":
      return compilePartial(node as hbs.AST.PartialStatement & { program?: hbs.AST.Program }, stack, state);
    case "Decorator":
    case "DecoratorBlock": {
      const d = node as hbs.AST.DecoratorBlock;
      decorators.push({
        name: d.path.original,
        params: d.params.map((p) => compileExpr(p, stack, state)),
        hash: compileHash(d.hash, stack, state),
        program: d.program ? compileProgram(d.program, stack, state) : undefined,
        loc: locOf(d),
      });
      return { t: "none" };
    }
    case "CommentStatement":
      return { t: "none" };
    default:
      throw new TemplateSyntaxError(`Unknown type: ${node.type}`, node.loc?.start);
  }
}

function compilePartial(node: hbs.AST.PartialStatement & { program?: hbs.AST.Program }, stack: BlockParamStack, state: CompileState): PartialStmt {
  const program = node.program ? compileProgram(node.program, stack, state) : undefined;
  if (node.params.length > 1) {
    const { line, column } = node.loc.start;
    throw new TemplateSyntaxError(`Unsupported number of partial arguments: ${node.params.length} - ${line}:${column}`, node.loc.start);
  }
  const nameNode = node.name as Node & { original?: unknown };
  const name = nameNode.type === "SubExpression" ? compileCall(nameNode as unknown as Sexpr, stack, state) : String(nameNode.original);
  const first = node.params[0];
  const stmt: PartialStmt = {
    t: "partial",
    name,
    context: first ? compileExpr(first, stack, state) : undefined,
    hash: compileHash(node.hash, stack, state),
    program,
    indent: node.indent || "",
    blockParams: false,
  };
  markSite(state, stmt);
  return stmt;
}

function compileExpr(node: hbs.AST.Expression, stack: BlockParamStack, state: CompileState): Expr {
  switch (node.type) {
    case "PathExpression":
      return { t: "path", path: compilePath(node as Path, stack, state) };
    case "SubExpression":
      return { t: "sexpr", call: compileCall(node as unknown as Sexpr, stack, state) };
    case "UndefinedLiteral":
      return { t: "lit", value: undefined };
    case "NullLiteral":
      return { t: "lit", value: null };
    default:
      return { t: "lit", value: (node as LiteralNode).value };
  }
}

/**
 * The hash object the generated code builds: pairs assigned last to first, so
 * for a repeated key the first one in the source wins and the others are never
 * evaluated; `objectLiteral` leaves out `undefined` literals, `__proto__`
 * never becomes a key, and keys follow `Object.keys` order.
 */
function compileHash(hash: hbs.AST.Hash | undefined, stack: BlockParamStack, state: CompileState): HashPairs | undefined {
  if (!hash) return undefined;
  const compiled = hash.pairs.map((pair) => [pair.key, compileExpr(pair.value, stack, state), pair.value.type] as const);
  const values = new Map<string, (typeof compiled)[number]>();
  for (let i = compiled.length - 1; i >= 0; i--) {
    const entry = compiled[i]!;
    if (entry[0] !== "__proto__") values.set(entry[0], entry);
  }
  const order: Record<string, true> = Object.create(null);
  for (const key of values.keys()) order[key] = true;
  const pairs: HashPairs = [];
  for (const key of Object.keys(order)) {
    const [, expr, type] = values.get(key)!;
    if (type !== "UndefinedLiteral") pairs.push([key, expr]);
  }
  return pairs;
}

/** `scopedId` from handlebars/compiler/ast.js, regex included (`{{mythis}}` counts as scoped). */
function scopedId(path: Path): boolean {
  return /^\.|this\b/.test(path.original);
}

function simpleId(path: Path): boolean {
  return path.parts.length === 1 && !scopedId(path) && !path.depth;
}

function blockParamIndex(stack: BlockParamStack, name: string | undefined): [number, number] | undefined {
  for (let depth = 0; depth < stack.length; depth++) {
    const params = stack[depth];
    const param = params ? params.indexOf(name as string) : -1;
    if (param >= 0) return [depth, param];
  }
  return undefined;
}

function compilePath(path: Path, stack: BlockParamStack, state: CompileState): PathRef {
  const depth = path.depth || 0;
  if (depth) state.useDepths = true;
  const name = path.parts[0];
  const slot = !depth && !scopedId(path) ? blockParamIndex(stack, name) : undefined;
  if (slot) {
    state.useBlockParams = true;
    state.program.lookupSeen = true;
    return { t: "bp", index: slot[0], param: slot[1], parts: path.parts.slice(1) };
  }
  if (!name) return { t: "ctx", depth, parts: [] };
  if (path.data) return { t: "data", depth, parts: path.parts };
  return { t: "ctx", depth, parts: path.parts };
}

/** `transformLiteralToPath`: `{{"foo"}}`, `{{1}}`, `{{true}}` look up a key of that name. */
function headPath(node: Sexpr): Path {
  const path = node.path as Path & { original: unknown };
  if (path.parts) return path;
  const original = String(path.original);
  return { type: "PathExpression", data: false, depth: 0, parts: [original], original, loc: node.path.loc };
}

function compileCall(node: Sexpr, stack: BlockParamStack, state: CompileState, isBlock = false): Call {
  const path = headPath(node);
  const name = path.parts[0];
  const isSimple = simpleId(path);
  const isBlockParam = isSimple && blockParamIndex(stack, name) !== undefined;
  const helperExpression = node.type === "SubExpression" || node.params.length > 0 || !!node.hash;
  let isHelper = !isBlockParam && helperExpression;
  const isEligible = !isBlockParam && (isHelper || isSimple);
  if (isEligible && !isHelper && KNOWN_HELPERS.has(name as string)) isHelper = true;

  const loc = locOf(node);
  let call: Call;
  // Lowered in the compiler's order (params, hash, then the path) so block-param sites match.
  if (isHelper) {
    const params = node.params.map((p) => compileExpr(p, stack, state));
    const hash = compileHash(node.hash, stack, state);
    if (KNOWN_HELPERS.has(name as string)) {
      call = { kind: "known", name: name as string, helper: name, path: NO_PATH, params, hash, loc, blockParams: false };
    } else {
      const ref = compilePath(path, stack, state);
      call = { kind: "helper", name: path.original, helper: isSimple ? name : undefined, path: ref, params, hash, loc, blockParams: false };
    }
  } else {
    const ref = compilePath(path, stack, state);
    if (isEligible) call = { kind: "ambiguous", name: name as string, helper: name, path: ref, params: [], hash: undefined, loc, blockParams: false };
    else call = { kind: "simple", name: path.original, helper: undefined, path: ref, params: [], hash: undefined, loc, blockParams: false };
  }
  if (call.kind !== "simple" || isBlock) markSite(state, call);
  return call;
}

/** Known helpers are called by name; their path is never looked up. */
const NO_PATH: PathRef = { t: "ctx", depth: 0, parts: [] };

function locOf(node: { loc: hbs.AST.SourceLocation }): Loc {
  const { start, end } = node.loc;
  return { start: { line: start.line, column: start.column }, end: { line: end.line, column: end.column } };
}
