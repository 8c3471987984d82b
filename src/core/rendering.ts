import { compileTemplate, defaultHelpers, TemplateSyntaxError, type CompiledTemplate } from "../templates/index.js";
import type { FieldProblem } from "./errors.js";
import type { TemplateChannels, TemplateInput } from "./schemas/template.js";

/** What templates can read. Documented in DESIGN.md ("Template context"). */
export interface TemplateContext {
  data: Record<string, unknown>;
  subscriber: { id: string; name?: string | null; email?: string | null; phone?: string | null; locale?: string | null; timezone?: string | null; data?: unknown };
  event: { id: string; type: string; topic?: string | null };
  notification: { id: string; url?: string | null };
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

/** Renders every string in a channel's content (nested objects and arrays too, e.g. push actions). */
export function renderContent(content: unknown, context: TemplateContext): unknown {
  if (typeof content === "string") return compiledFor(content).render(context, { helpers: defaultHelpers });
  if (Array.isArray(content)) return content.map((item) => renderContent(item, context));
  if (content && typeof content === "object") {
    return Object.fromEntries(Object.entries(content).map(([k, v]) => [k, renderContent(v, context)]));
  }
  return content;
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
