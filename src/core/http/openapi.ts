import { z } from "@hono/zod-openapi";
import { Problem } from "../schemas/common.js";

/** A required JSON request body (required, so a missing body is refused rather than skipped). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

const problemContent = { "application/problem+json": { schema: Problem } };

/** The problem responses every authenticated route can give. */
export const problems = {
  400: { content: problemContent, description: "The request is not valid; `errors` names each field." },
  401: { content: problemContent, description: "Missing or wrong credentials." },
  404: { content: problemContent, description: "No such resource." },
} as const;

export const bearerSecurity = [{ apiKey: [] }];

export const IdParam = (name: string, example: string) =>
  z.string().min(1).max(128).openapi({ param: { name, in: "path" }, example });
