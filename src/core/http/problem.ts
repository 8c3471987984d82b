import type { Context } from "hono";
import type { ZodError } from "zod";
import { type FieldProblem, ProblemError } from "../errors.js";
import { localizeFieldMessage, localizeText, localizeTitle, problemLanguage, type ProblemLanguage, zodFieldProblems } from "./problem-i18n.js";

/** Problem `type` values are relative URIs under this base, one per kind of problem. */
const TYPE_BASE = "https://herald.dev/problems/";

/**
 * The RFC 9457 problem document of `problem`, as JSON text, in `lang`: `title`, `detail` and each
 * `errors[].message` are translated; `type`, `status` and the field paths stay as they are.
 */
export function problemJson(problem: ProblemError, instance?: string, lang: ProblemLanguage = "en"): string {
  const body: Record<string, unknown> = {
    type: TYPE_BASE + problem.type,
    title: localizeTitle(problem.title, lang),
    status: problem.status,
    detail: localizeText(problem.message, lang),
  };
  if (instance !== undefined) body.instance = instance;
  if (problem.errors) body.errors = problem.errors.map((e) => ({ path: e.path, message: localizeFieldMessage(e, lang) }));
  return JSON.stringify(body);
}

/** Answers with an RFC 9457 problem document in the language `Accept-Language` asks for (English or Russian). */
export function problemResponse(c: Context, problem: ProblemError): Response {
  const lang = problemLanguage(c);
  return new Response(problemJson(problem, new URL(c.req.url).pathname, lang), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", "content-language": lang, vary: "Accept-Language", ...problem.headers },
  });
}

/** zod's issues as field problems; `input` is what was validated, so messages can be said in every language. */
export function zodProblems(error: ZodError, prefix?: string, input?: unknown): FieldProblem[] {
  return zodFieldProblems(error, prefix, input);
}

export const unauthorized = (detail: string) =>
  new ProblemError(401, "unauthorized", "Authentication required", detail, { headers: { "www-authenticate": 'Bearer realm="herald"' } });
