import { renderChannelContent } from "./channels/content.js";
import type { ChannelRegistry } from "./channels/registry.js";
import { errorMessage, type FieldProblem, ProblemError } from "./errors.js";
import { missingPlaceholders, renderContent, selectContent, type TemplateContext } from "./rendering.js";
import type { TemplateInput } from "./schemas/template.js";

export interface PreviewSample {
  data?: Record<string, unknown>;
  subscriber?: Record<string, unknown>;
  event?: Record<string, unknown>;
  locale?: string;
  channels?: string[];
  /** Sample events' data for a digest template. */
  digest?: { events: Record<string, unknown>[] };
}

export type PreviewResult =
  | { ok: true; locale: string | null; channels: Record<string, unknown>; details: Record<string, Record<string, unknown>>; warnings: FieldProblem[] }
  | { ok: false; problems: FieldProblem[] };

/** The template context a preview renders with: the sample, filled in where it is silent. */
export function sampleContext(sample: PreviewSample): { context: TemplateContext; locale: string | null } {
  const subscriber = { id: "preview", ...(sample.subscriber ?? {}) } as TemplateContext["subscriber"];
  const locale = sample.locale ?? (typeof subscriber.locale === "string" ? subscriber.locale : null);
  const data = sample.data ?? {};
  return {
    locale,
    context: {
      data,
      subscriber: { ...subscriber, locale },
      event: { id: "evt_preview", type: "preview", topic: null, ...(sample.event ?? {}) } as TemplateContext["event"],
      notification: { id: "ntf_preview", url: typeof data.url === "string" ? data.url : null },
      ...(sample.digest ? { digest: { id: "dgs_preview", count: sample.digest.events.length, events: sample.digest.events, first: sample.digest.events[0] ?? null, last: sample.digest.events.at(-1) ?? null } } : {}),
    },
  };
}

/**
 * Renders a template body (saved or not) for each channel with the same compile + render the
 * engine runs per message, so the preview is what is sent. Every channel that cannot be rendered is
 * reported, by field, instead of stopping at the first.
 */
export async function previewTemplate(body: TemplateInput, sample: PreviewSample, registry: ChannelRegistry): Promise<PreviewResult> {
  const { context, locale } = sampleContext(sample);
  const names = sample.channels ?? [...new Set([...Object.keys(body.channels), ...Object.values(body.locales ?? {}).flatMap((l) => Object.keys(l.channels))])];
  const channels: Record<string, unknown> = {};
  const details: Record<string, Record<string, unknown>> = {};
  const problems: FieldProblem[] = [];
  const warnings: FieldProblem[] = [];
  for (const name of names) {
    const content = selectContent(body, name, locale);
    if (!content) continue;
    warnings.push(...missingPlaceholders(content, context, contentPath(body, name, content)));
    const definition = registry.get(name)?.definition;
    const rendered = definition ? await renderChannelContent(definition, content, context) : renderLoose(content, context);
    if (!rendered.ok) {
      problems.push({ path: `channels.${name}`, message: rendered.message });
      continue;
    }
    channels[name] = rendered.content;
    const described = definition?.describe?.(rendered.content);
    if (described) details[name] = described;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, locale, channels, details, warnings };
}

/** Where in the template body the selected content lives: `channels.<name>` or `locales.<locale>.channels.<name>`. */
function contentPath(body: TemplateInput, channel: string, content: unknown): string {
  for (const [locale, l] of Object.entries(body.locales ?? {})) if ((l.channels as Record<string, unknown>)[channel] === content) return `locales.${locale}.channels.${channel}`;
  return `channels.${channel}`;
}

/** The 422 problem for a preview that cannot be rendered with its sample: every channel's problem, by field. */
export function previewRenderError(problems: FieldProblem[]): ProblemError {
  return new ProblemError(422, "template-render-error", "The template cannot be rendered with this data", problems.map((p) => p.message).join("; "), { errors: problems });
}

/** Content for a channel this server does not have installed: rendered, but not checked against it. */
function renderLoose(content: unknown, context: TemplateContext) {
  try {
    return { ok: true as const, content: renderContent(content, context) as Record<string, unknown> };
  } catch (error) {
    return { ok: false as const, message: errorMessage(error) };
  }
}
