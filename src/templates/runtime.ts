/**
 * Runtime state shared by the interpreter and partial invocation, and the
 * official built-ins we delegate to.
 */
import Handlebars from "handlebars";
import type { TemplateIR } from "./ir.js";

/**
 * Bounds that keep a hostile template from running forever. Handlebars has
 * none: deep partial recursion ends in a stack overflow there, and nested
 * loops or mutually recursive partials can run for hours.
 */
export const RENDER_LIMITS = {
  /** Partials nested inside partials (recursion included). */
  maxPartialDepth: 50,
  /** Statements executed in one render (a 10,000-item loop of 100 statements fits). */
  maxSteps: 1_000_000,
  /** Characters produced by one program (and so by the whole render). */
  maxOutputLength: 16 * 1024 * 1024,
} as const;

/**
 * A fresh `Handlebars.create()` environment: its `helpers` (`if`, `each`,
 * `with`, `unless`, `lookup`, `log`, `blockHelperMissing`, `helperMissing`)
 * and its `inline` decorator are the official implementations, used as is.
 * Creating an environment compiles nothing.
 */
export const officialEnv = Handlebars.create();

/** `container.nullContext`: the helper `this` when the context is null or undefined. */
export const NULL_CONTEXT: object = Object.seal({});

/** `container.noop`: the `fn`/`inverse` of a block that has no such part. */
export function noop(): string {
  return "";
}

export type Data = Record<string, unknown> & { _parent?: unknown };

/** A program as handed to helpers (`options.fn`): Handlebars' `prog(context, options)`. */
export type ProgramFn = ((context?: unknown, options?: { data?: Data; blockParams?: unknown }) => unknown) & {
  blockParams?: number;
  partials?: Record<string, unknown>;
};

/** Per render: the merged helper map, the hooks and the limits' counters. */
export interface RenderState {
  helpers: Record<string, unknown>;
  helperMissing: unknown;
  blockHelperMissing: unknown;
  noEscape: boolean;
  steps: number;
  partialDepth: number;
  onMissing: ((path: string) => void) | undefined;
}

/** Handlebars' per-template `container`: only `partials` varies (inline partials swap it). */
export interface Container {
  partials: Record<string, unknown>;
}

/** One invocation of a template (the root, or a template partial). */
export interface Scope {
  tpl: TemplateIR;
  rs: RenderState;
  c: Container;
}

/** What the generated code keeps in local variables: `depth0`, `data`, `blockParams`, `depths`. */
export interface Frame {
  s: Scope;
  ctx: unknown;
  data: Data | undefined;
  bp: unknown[][] | undefined;
  depths: unknown[] | undefined;
}

/** Options object of a partial call (`invokePartial`'s third argument). */
export interface PartialOptions {
  name?: string;
  hash?: Record<string, unknown>;
  fn?: ProgramFn;
  inverse?: ProgramFn;
  data: Data | undefined;
  blockParams?: unknown[][];
  indent?: string;
  helpers: Record<string, unknown>;
  partials: Record<string, unknown>;
  decorators: Record<string, unknown>;
  partial?: boolean;
}
