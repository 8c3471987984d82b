import type { Context } from "hono";
import type { ZodError } from "zod";
import { type FieldProblem, ProblemError } from "../errors.js";

/** Problem `type` values are relative URIs under this base, one per kind of problem. */
const TYPE_BASE = "https://herald.dev/problems/";

/** The RFC 9457 problem document of `problem`, as JSON text. */
export function problemJson(problem: ProblemError, instance?: string): string {
  const body: Record<string, unknown> = { type: TYPE_BASE + problem.type, title: problem.title, status: problem.status, detail: problem.message };
  if (instance !== undefined) body.instance = instance;
  if (problem.errors) body.errors = problem.errors;
  return JSON.stringify(body);
}

/** Answers with an RFC 9457 problem document. */
export function problemResponse(c: Context, problem: ProblemError): Response {
  return new Response(problemJson(problem, new URL(c.req.url).pathname), {
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
