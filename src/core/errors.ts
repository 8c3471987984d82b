/**
 * The engine's one error type. `code` is stable and machine-readable; `retryable` tells the outbox
 * whether another attempt can help; `pluginId` names the channel or plugin that raised it.
 */
export class HeraldError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly pluginId?: string;
  constructor(code: string, message: string, options: { retryable?: boolean; pluginId?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "HeraldError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.pluginId = options.pluginId;
  }
}

/** One problem with one field of a request, as listed in a problem document's `errors`. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `steps.0.template`. */
  path: string;
  /** In English: the message id the HTTP layer translates (http/problem-i18n.ts). */
  message: string;
  /** The message in other languages, when its producer knows them (zod's locales); never sent as such. */
  localized?: { ru?: string };
}

/**
 * The engine error for a request at fault, which leaves the HTTP layer as an RFC 9457 problem
 * document: `code` is the problem's `type`; never retryable. It keeps its own class because status,
 * title, field errors and headers are what the HTTP layer needs and nothing else does.
 * Thrown by core code that knows the request was at fault (bad reference, unknown template, ...).
 */
export class ProblemError extends HeraldError {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly errors?: FieldProblem[];
  readonly headers?: Record<string, string>;
  constructor(
    status: number,
    type: string,
    title: string,
    detail: string,
    extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    super(type, detail);
    this.name = "ProblemError";
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = extra.errors;
    this.headers = extra.headers;
  }
}

/** 400 with field problems: the shape every validation failure takes. */
export function invalidRequest(detail: string, errors: FieldProblem[]): ProblemError {
  return new ProblemError(400, "validation-error", "Your request is not valid", detail, { errors });
}

export function notFound(what: string, id: string): ProblemError {
  return new ProblemError(404, "not-found", "Not found", `${what} "${id}" does not exist`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
