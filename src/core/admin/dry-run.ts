import type { Store } from "../../store/index.js";
import type { EventRow } from "../../store/repositories/events.js";
import type { RuleRecord } from "../../store/repositories/rules.js";
import { renderChannelContent } from "../channels/content.js";
import type { ChannelRegistry } from "../channels/registry.js";
import { EVERYONE } from "../broadcasts.js";
import { eventDocument, stepWaitMs } from "../planner.js";
import { missingPlaceholders, selectContent, type TemplateContext } from "../rendering.js";
import { matchesConditions } from "../rules/conditions.js";
import { type Audience, resolveAudience } from "../rules/recipients.js";
import type { DryRunRule, DryRunStep } from "../schemas/dry-run.js";
import type { EventInput } from "../schemas/event.js";
import type { TemplateInput } from "../schemas/template.js";
import type { Step } from "../schemas/rule.js";
import { fillPlaceholders } from "../rules/path.js";

/** Recipients listed by name in a dry run; the rest are only counted. */
const SAMPLE_RECIPIENTS = 20;
/** Messages rendered in full in a dry run (recipients × steps). */
const SAMPLE_MESSAGES = 10;

/**
 * What an event would cause, written nowhere: which rules of its type match, how many they reach
 * and who the first of them are, and (for a few recipients) the rendered messages. The audience is
 * resolved as the planner resolves it, but a topic is counted and sampled, never loaded: a rule to
 * everyone on an install of a million subscribers costs two bounded queries (recipientsOf).
 */
export async function dryRun(
  deps: { store: Store; channels: ChannelRegistry; now: number },
  input: EventInput,
  rules: RuleRecord[],
): Promise<DryRunRule[]> {
  const { store, now } = deps;
  const event: EventRow = { id: input.id ?? "evt_dry_run", type: input.type, body: { ...input, id: undefined }, receivedAt: now, plannedAt: null };
  const doc = eventDocument(event);
  const out: DryRunRule[] = [];
  const templates = new Map<string, TemplateInput | undefined>();
  const template = async (key: string) => {
    if (!templates.has(key)) templates.set(key, (await store.templates.get(key))?.body);
    return templates.get(key);
  };
  for (const rule of rules.filter((r) => r.body.event === input.type)) {
    const steps = rule.body.steps.map((s, i) => describeStep(s, i, doc));
    const result: DryRunRule = { id: rule.id, enabled: rule.enabled, matched: false, recipients: 0, sample: [], sampled: false, steps, messages: [], ...(rule.body.throttle ? { throttle: rule.body.throttle } : {}) };
    out.push(result);
    if (!matchesConditions(rule.body.if, doc)) {
      result.reason = rule.enabled ? "condition not met" : "disabled; condition not met";
      continue;
    }
    const { recipients, sample } = await recipientsOf(store, resolveAudience(rule.body.to, doc));
    result.matched = rule.enabled;
    if (!rule.enabled) result.reason = "disabled (would match)";
    else if (recipients === 0) result.reason = "no recipients";
    result.recipients = recipients;
    result.sample = sample;
    result.sampled = sample.length < recipients;
    // The planner's jobs carry these waits: none without recipients, and none for fallback steps.
    if (recipients > 0) {
      rule.body.steps.forEach((step, i) => {
        if (!steps[i]!.fallback) steps[i]!.waitMs = stepWaitMs(step);
      });
    }
    const subscribers = new Map((await store.subscribers.getMany(result.sample.slice(0, SAMPLE_MESSAGES))).map((s) => [s.id, s]));
    for (const subscriberId of result.sample) {
      for (const [index, step] of rule.body.steps.entries()) {
        if (result.messages.length >= SAMPLE_MESSAGES) break;
        const s = subscribers.get(subscriberId);
        const context: TemplateContext = {
          data: doc.data ?? {},
          subscriber: { id: subscriberId, name: s?.name ?? null, email: s?.email ?? null, phone: s?.phone ?? null, locale: s?.locale ?? null, timezone: s?.timezone ?? null, data: s?.data ?? null },
          event: { id: event.id, type: event.type, topic: doc.topic ?? null },
          notification: { id: "ntf_dry_run", url: typeof doc.data?.url === "string" ? doc.data.url : null },
          ...(steps[index]!.digest ? { digest: digestOfOne(doc.data ?? {}) } : {}),
        };
        const message: DryRunRule["messages"][number] = { subscriberId, channel: step.channel, template: step.template };
        const body = await template(step.template);
        const content = body && selectContent(body, step.channel, s?.locale);
        const channel = deps.channels.get(step.channel)?.definition;
        if (!s) message.error = "no such subscriber: nothing would be sent";
        else if (!content) message.error = `template "${step.template}" has no ${step.channel} content`;
        else if (!channel) message.error = `channel "${step.channel}" is not installed`;
        else {
          const rendered = await renderChannelContent(channel, content, context);
          if (rendered.ok) message.content = rendered.content;
          else message.error = rendered.message;
          const warnings = missingPlaceholders(content, context, step.channel);
          if (warnings.length > 0) message.warnings = warnings;
        }
        result.messages.push(message);
      }
    }
  }
  return out;
}

/**
 * How many an audience holds and its first SAMPLE_RECIPIENTS: an explicit list is in the event
 * already; a topic's members (or everyone, `*`) are counted with count(*) and read one page deep.
 */
async function recipientsOf(store: Store, audience: Audience): Promise<{ recipients: number; sample: string[] }> {
  if ("none" in audience) return { recipients: 0, sample: [] };
  if ("subscribers" in audience) return { recipients: audience.subscribers.length, sample: audience.subscribers.slice(0, SAMPLE_RECIPIENTS) };
  const everyone = audience.topic === EVERYONE;
  const [recipients, sample] = await Promise.all([
    store.subscriberSearch.audienceCount(everyone ? { all: true } : { topic: audience.topic }),
    store.subscribers.audienceRange(everyone ? null : audience.topic, "", undefined, SAMPLE_RECIPIENTS),
  ]);
  return { recipients, sample };
}

function describeStep(s: Step, i: number, doc: unknown): DryRunStep {
  const out: DryRunStep = { step: i, channel: s.channel, template: s.template, waitMs: 0, fallback: i > 0 && s.fallback === true };
  if (s.if) out.condition = s.if;
  if (s.digest) {
    const key = s.digest.key === undefined ? "" : fillPlaceholders(s.digest.key, doc);
    out.digest = { ...s.digest, key: typeof key === "string" ? key : JSON.stringify(key ?? "") };
  }
  return out;
}

/** The digest a lone event would make: what a digest template renders at the least. */
function digestOfOne(data: Record<string, unknown>) {
  return { id: "dgs_dry_run", count: 1, events: [data], first: data, last: data };
}
