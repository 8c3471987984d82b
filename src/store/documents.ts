/**
 * The JSON documents the store keeps whole (a rule, a template, an accepted event's body): it reads
 * a field or two of them and hands them back as they were written. Their shapes are the engine's
 * (its zod schemas, the single source of those types), so the engine declares them here by merging
 * into `StoredDocuments` (src/core/stored-documents.ts), and the store imports nothing from core.
 * Without that declaration each document has the store's own, minimal type.
 */
export interface StoredDocuments {}

type Declared<Kind extends string, Minimal> = StoredDocuments extends { [K in Kind]: infer T } ? T : Minimal;

/** A rule as written by `PUT /v1/rules/{id}`; the store reads its event type and whether it is on. */
export type RuleDocument = Declared<"rule", { event: string; enabled?: boolean }>;
/** A template as written by `PUT /v1/templates/{key}`. */
export type TemplateDocument = Declared<"template", Record<string, unknown>>;
/** An accepted event's body (the event as posted, but its id). */
export type EventDocument = Declared<"event", Record<string, unknown>>;
