import { z } from "@hono/zod-openapi";
import type { AnyChannel } from "./define.js";
import type { FieldKind, PreviewHint } from "./ui.js";

/** One content field as the admin template form edits it. */
export interface FieldDescriptor {
  name: string;
  kind: FieldKind;
  required: boolean;
  label: string;
  /**
   * Placeholders render without HTML escaping here (the channel's `plainTextFields`): the preview
   * shows the field as it is. In other fields they are escaped, and the preview decodes entities.
   */
  plainText: boolean;
  maxLength?: number;
  initial?: string;
  placeholder?: string;
}

/** A channel as the admin UI knows it: everything it draws for the channel comes from here. */
export interface ChannelDescriptor {
  id: string;
  title: string;
  configured: boolean;
  fields: FieldDescriptor[];
  preview?: PreviewHint;
}

type JsonSchema = { type?: string; maxLength?: number; properties?: Record<string, JsonSchema>; required?: string[] };

// Longer text than this is edited in a text area; titles and links (≤ 500, ≤ 2048 for URLs) stay one line.
const ONE_LINE_MAX = 2048;

/**
 * The admin form of a channel, read from its content schema (field names, required, length limits,
 * strings versus structured values) and refined by its `ui` hints.
 */
export function channelDescriptor(channel: AnyChannel, configured: boolean): ChannelDescriptor {
  const schema = z.toJSONSchema(channel.content as z.ZodType, { unrepresentable: "any", io: "input" }) as JsonSchema;
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]): FieldDescriptor => {
    const hint = channel.ui?.fields?.[name] ?? {};
    const inferred: FieldKind = property.type === "string" ? (property.maxLength !== undefined && property.maxLength <= ONE_LINE_MAX && name !== "body" && name !== "text" ? "text" : "textarea") : "json";
    return {
      name,
      kind: hint.kind ?? inferred,
      required: required.has(name),
      label: hint.label ?? name,
      plainText: channel.plainTextFields?.includes(name) ?? false,
      ...(property.maxLength !== undefined ? { maxLength: property.maxLength } : {}),
      ...(hint.initial !== undefined ? { initial: hint.initial } : {}),
      ...(hint.placeholder !== undefined ? { placeholder: hint.placeholder } : {}),
    };
  });
  return { id: channel.id, title: channel.title, configured, fields, ...(channel.ui?.preview ? { preview: channel.ui.preview } : {}) };
}

/** Descriptors of every registered channel, in registration order. */
export function channelDescriptors(registry: { definitions(): AnyChannel[]; get(id: string): { instance?: unknown } | undefined }): ChannelDescriptor[] {
  return registry.definitions().map((d) => channelDescriptor(d, registry.get(d.id)?.instance !== undefined));
}
