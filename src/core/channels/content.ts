import type { FieldProblem } from "../errors.js";
import { errorMessage } from "../errors.js";
import { renderContent, templateProblems, type TemplateContext } from "../rendering.js";
import type { TemplateInput } from "../schemas/template.js";
import type { AnyChannel, CompileResult } from "./define.js";

// Compiled channel content (e.g. MJML → HTML) keyed by channel and source: a template edit changes
// the source, so stale entries stop being hit. Bounded, like the Handlebars cache.
const compiled = new Map<string, Promise<CompileResult>>();
const MAX_COMPILED = 500;
// In front of it, the same results by content object and channel id: templates come from the
// template cache as the same objects message after message, and serializing the whole source (MJML)
// for the string key on every message is the cost this avoids. Entries go with the object.
const compiledByObject = new WeakMap<object, Map<string, Promise<CompileResult>>>();

/** The channel's `compile` hook, run once per distinct content and cached. */
export function compileChannelContent(channel: AnyChannel, content: unknown): Promise<CompileResult> {
  const compile = channel.compile;
  if (!compile) return Promise.resolve({ ok: true, content: content as Record<string, unknown> });
  const byChannel = typeof content === "object" && content !== null ? compiledByObject.get(content) : undefined;
  const known = byChannel?.get(channel.id);
  if (known) return known;
  const key = `${channel.id}\u0000${JSON.stringify(content)}`;
  let result = compiled.get(key);
  if (!result) {
    // The promise is cached, so messages of one broadcast arriving together compile once.
    result = Promise.resolve()
      .then(() => compile(content))
      .catch((error): CompileResult => ({ ok: false, problems: [{ path: "", message: errorMessage(error) }] }));
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, result);
  }
  if (typeof content === "object" && content !== null) {
    if (byChannel) byChannel.set(channel.id, result);
    else compiledByObject.set(content, new Map([[channel.id, result]]));
  }
  return result;
}

export type RenderedContent = { ok: true; content: Record<string, unknown> } | { ok: false; code: string; message: string };

/** Compile (cached), render per message, validate: the content a channel's `send` receives. */
export async function renderChannelContent(channel: AnyChannel, content: unknown, context: TemplateContext): Promise<RenderedContent> {
  const prepared = await compileChannelContent(channel, content);
  if (!prepared.ok) return { ok: false, code: "template_invalid", message: prepared.problems.map((p) => `${p.path}: ${p.message}`).join("; ") };
  let rendered: Record<string, unknown>;
  try {
    rendered = renderContent(prepared.content, context, channel.plainTextFields) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, code: "render_failed", message: errorMessage(error) };
  }
  // Compiled content has its own shape; the stored shape was validated when the template was saved.
  if (channel.compile) return { ok: true, content: rendered };
  const parsed = channel.content.safeParse(rendered);
  if (!parsed.success) return { ok: false, code: "render_invalid", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { ok: true, content: parsed.data as Record<string, unknown> };
}

/** Problems the installed channels find in a template's content (e.g. invalid MJML), with full paths. */
export async function channelContentProblems(template: TemplateInput, channelById: (id: string) => AnyChannel | undefined): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const check = async (channels: Record<string, unknown>, prefix: string) => {
    for (const [id, content] of Object.entries(channels)) {
      const channel = channelById(id);
      if (!channel?.compile || content === undefined) continue;
      const result = await compileChannelContent(channel, content);
      if (!result.ok) for (const p of result.problems) problems.push({ path: `${prefix}.${id}${p.path ? `.${p.path}` : ""}`, message: p.message });
    }
  };
  await check(template.channels, "channels");
  for (const [locale, body] of Object.entries(template.locales ?? {})) await check(body.channels, `locales.${locale}.channels`);
  return problems;
}

/** Everything that refuses a template at save time: Handlebars syntax, then each channel's own checks. */
export async function templateBodyProblems(template: TemplateInput, channelById: (id: string) => AnyChannel | undefined): Promise<FieldProblem[]> {
  return [...templateProblems(template), ...(await channelContentProblems(template, channelById))];
}
