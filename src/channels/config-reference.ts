import type { AnyChannel, ConfigField } from "../core/channels/define.js";

/** Where the generated reference sits in README.md. */
export const REFERENCE_START = "<!-- channel-config:start (generated from the channel declarations: npm run docs:channels) -->";
export const REFERENCE_END = "<!-- channel-config:end -->";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function allowed(field: ConfigField): string {
  const parts: string[] = [field.type];
  if (field.choices) parts.push(field.choices.map((c) => `\`${c}\``).join(" / "));
  if (field.patternHint) parts.push(field.patternHint);
  if (field.min !== undefined && field.max !== undefined) parts.push(`${field.min}–${field.max}`);
  else if (field.min !== undefined) parts.push(`≥ ${field.min}`);
  else if (field.max !== undefined) parts.push(`≤ ${field.max}`);
  if (field.secret) parts.push("secret (masked in logs)");
  return parts.join(", ");
}

/**
 * The configuration reference of the channels, as Markdown: one table per channel, a row per
 * field with an environment variable, then the provider answers it handles specially. README.md holds it between the markers; a test keeps it
 * equal to this output, so a declaration cannot change without the README.
 */
export function configReference(channels: readonly AnyChannel[]): string {
  const out: string[] = [];
  for (const channel of channels) {
    const rows = Object.values(channel.config).filter((f) => f.env);
    out.push(`#### \`${channel.id}\`: ${channel.title}`, "");
    if (rows.length === 0) out.push("No configuration.", "");
    else {
      out.push("| Variable | Default | Values | Meaning |", "|---|---|---|---|");
      for (const f of rows) {
        const dflt = f.default !== undefined ? `\`${cell(String(f.default))}\`` : f.required ? "required" : "unset";
        out.push(`| \`${f.env}\` | ${dflt} | ${cell(allowed(f))} | ${cell(f.description)} |`);
      }
      out.push("");
    }
    const answers = Object.entries(channel.providerAnswers ?? {});
    if (answers.length > 0) {
      out.push("Provider answers it handles specially:", "");
      for (const [answer, handling] of answers) out.push(`- \`${answer}\`: ${handling.replace(/\n/g, " ")}`);
      out.push("");
    }
  }
  return out.join("\n").trimEnd();
}

/** The README with its reference section replaced by `reference`. */
export function withReference(readme: string, reference: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error("README.md has no channel configuration markers");
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${reference}\n${readme.slice(end)}`;
}
