import type { HistoryPage, EventRow } from "../../store/repositories/events.js";
import type { RuleRecord } from "../../store/repositories/rules.js";
import type { SubscriberRow } from "../../store/repositories/subscribers.js";
import type { TemplateRecord } from "../../store/repositories/templates.js";
import type { EventView } from "../schemas/event.js";
import type { Rule } from "../schemas/rule.js";
import type { Subscriber } from "../schemas/subscriber.js";
import type { Template } from "../schemas/template.js";

/** Stored rows as the API shows them: ISO times, no internal columns. */
const iso = (ms: number) => new Date(ms).toISOString();
/** An optional time (epoch ms) as ISO 8601, or null. */
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/**
 * A subscriber as the API shows them. `addresses`: their declared addresses by field; every field in
 * `declared` appears, null when unset (so a client sees which fields exist).
 */
export function subscriberView(row: SubscriberRow, topics: string[], addresses: { declared: readonly string[]; values: Record<string, string> } = { declared: [], values: {} }): Subscriber {
  return {
    ...Object.fromEntries(addresses.declared.map((f) => [f, addresses.values[f] ?? null])),
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    locale: row.locale,
    timezone: row.timezone,
    data: row.data ?? null,
    topics,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function templateView(record: TemplateRecord): Template {
  return { key: record.key, ...record.body, version: record.version, updatedAt: iso(record.updatedAt) };
}

export function ruleView(record: RuleRecord): Rule {
  return { ...record.body, id: record.id, enabled: record.enabled, updatedAt: iso(record.updatedAt) };
}

export function eventView(row: EventRow, history: HistoryPage["items"], providers: Map<string, string> = new Map()): EventView {
  const body = row.body as Omit<EventView, "id" | "type" | "receivedAt" | "status" | "notifications">;
  return {
    id: row.id,
    type: row.type,
    ...(body.to !== undefined ? { to: body.to } : {}),
    ...(body.topic !== undefined ? { topic: body.topic } : {}),
    ...(body.data !== undefined ? { data: body.data } : {}),
    receivedAt: iso(row.receivedAt),
    status: row.plannedAt === null ? "accepted" : "planned",
    notifications: history.map(({ notification: n, click, deliveries }) => ({
      id: n.id,
      ruleId: n.ruleId,
      subscriberId: n.subscriberId,
      createdAt: iso(n.createdAt),
      seenAt: isoOrNull(n.seenAt),
      readAt: isoOrNull(n.readAt),
      clickedAt: isoOrNull(click?.clickedAt ?? null),
      clickAction: click?.action ?? null,
      deliveries: deliveries.map((d) => ({
        id: d.id,
        step: d.step,
        channel: d.channel,
        template: d.template,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        providerMessageId: d.providerMessageId,
        ...(providers.has(d.id) ? { provider: providers.get(d.id)! } : {}),
        updatedAt: iso(d.updatedAt),
        attemptLog: d.attemptLog.map((a) => ({
          n: a.n,
          at: iso(a.at),
          outcome: a.outcome,
          code: a.code,
          answer: a.answer,
          provider: a.provider,
          providerMessageId: a.providerMessageId,
          durationMs: a.durationMs,
        })),
      })),
    })),
  };
}
