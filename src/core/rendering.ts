import { compileTemplate, defaultHelpers, TemplateSyntaxError, type CompiledTemplate } from "../templates/index.js";
import type { FieldProblem } from "./errors.js";
import type { TemplateChannels, TemplateInput } from "./schemas/template.js";

/** What templates can read. Documented in DESIGN.md ("Template context"). */
export interface TemplateContext {
  data: Record<string, unknown>;
  subscriber: { id: string; name?: string | null; email?: string | null; phone?: string | null; locale?: string | null; timezone?: string | null; data?: unknown };
  event: { id: string; type: string; topic?: string | null };
  notification: { id: string; url?: string | null; unsubscribeUrl?: string | null };
  /** A digest step's message: how many events, each one's data (newest last, capped) and the first and last. */
  digest?: { id: string; count: number; events: Record<string, unknown>[]; first: Record<string, unknown> | null; last: Record<string, unknown> | null };
}

// Compiled templates keyed by source text: editing a template changes its source, so stale entries
// simply stop being hit. Bounded so admin edits cannot grow memory without limit.
const compiled = new Map<string, CompiledTemplate>();
const MAX_CACHED = 2000;

function compiledFor(source: string): CompiledTemplate {
  let t = compiled.get(source);
  if (!t) {
    t = compileTemplate(source);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, t);
  }
  return t;
}

/**
 * The content a subscriber gets on one channel: their locale, else its language (`ru` for `ru-RU`),
 * else the template's default channels.
 */
export function selectContent(template: TemplateInput, channel: string, locale: string | null | undefined): unknown {
  const key = channel as keyof TemplateChannels;
  if (locale && template.locales) {
    const candidates = [locale, locale.split("-")[0]!];
    for (const candidate of candidates) {
      const match = Object.entries(template.locales).find(([l]) => l.toLowerCase() === candidate.toLowerCase());
      const content = match?.[1].channels[key];
      if (content) return content;
    }
  }
  return template.channels[key];
}

const ESCAPED = { helpers: defaultHelpers };
const PLAIN = { helpers: defaultHelpers, noEscape: true };

/**
 * Renders every string in a channel's content (nested objects and arrays too, e.g. push actions).
 * Top-level fields named in `plainTextFields` are plain text and render without HTML escaping.
 */
export function renderContent(content: unknown, context: TemplateContext, plainTextFields: readonly string[] = []): unknown {
  if (content && typeof content === "object" && !Array.isArray(content)) {
    return Object.fromEntries(Object.entries(content).map(([k, v]) => [k, renderValue(v, context, plainTextFields.includes(k) ? PLAIN : ESCAPED)]));
  }
  return renderValue(content, context, ESCAPED);
}

function renderValue(value: unknown, context: TemplateContext, options: typeof ESCAPED | typeof PLAIN): unknown {
  if (typeof value === "string") return compiledFor(value).render(context, options);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, context, options));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, context, options)]));
  return value;
}

/**
 * Placeholders of `content` that render nothing with this context (`{{data.eta}}` when the event
 * has no `eta`): one warning per field and placeholder, the field named from `path`
 * (`channels.realtime.body`). Only what would render counts: a branch not taken warns about nothing.
 */
export function missingPlaceholders(content: unknown, context: TemplateContext, path: string): FieldProblem[] {
  const warnings: FieldProblem[] = [];
  const visit = (value: unknown, at: string) => {
    if (typeof value === "string") {
      const missing = new Set<string>();
      try {
        compiledFor(value).render(context, { helpers: defaultHelpers, onMissing: (name) => missing.add(name) });
      } catch {
        return; // a render error is reported as such, not as a warning
      }
      for (const name of missing) warnings.push({ path: at, message: `{{${name}}} resolves to nothing with this data, so it renders empty` });
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${at}.${i}`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, `${at}.${k}`);
  };
  visit(content, path);
  return warnings;
}

/** Compiles every template string so that a broken one is refused at save time, naming its field. */
export function templateProblems(template: TemplateInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const visit = (value: unknown, path: string) => {
    if (typeof value === "string") {
      try {
        compiledFor(value);
      } catch (error) {
        if (error instanceof TemplateSyntaxError) problems.push({ path, message: error.message });
        else throw error;
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}.${i}`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
  };
  visit(template.channels, "channels");
  if (template.locales) visit(template.locales, "locales");
  return problems;
}

/** Channels a template has content for, in any locale. */
export function templateChannels(template: TemplateInput): Set<string> {
  const names = new Set(Object.keys(template.channels));
  for (const l of Object.values(template.locales ?? {})) for (const c of Object.keys(l.channels)) names.add(c);
  return names;
}

/** Cuts text to at most `max` code points (never splitting a surrogate pair), marking the cut with "…". */
export function truncateText(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return points.slice(0, Math.max(0, max - 1)).join("") + "…";
}
