import type { Context } from "hono";
import type { ZodError } from "zod";
import { type FieldProblem, ProblemError } from "../errors.js";

/** Problem `type` values are relative URIs under this base, one per kind of problem. */
const TYPE_BASE = "https://herald.dev/problems/";

/** Answers with an RFC 9457 problem document. */
export function problemResponse(c: Context, problem: ProblemError): Response {
  const body: Record<string, unknown> = {
    type: TYPE_BASE + problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    instance: new URL(c.req.url).pathname,
  };
  if (problem.errors) body.errors = problem.errors;
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", ...problem.headers },
  });
}

export function zodProblems(error: ZodError, prefix?: string): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join(".") || "(body)",
    message: issue.message,
  }));
}

export const unauthorized = (detail: string) =>
  new ProblemError(401, "unauthorized", "Authentication required", detail, { headers: { "www-authenticate": 'Bearer realm="herald"' } });
