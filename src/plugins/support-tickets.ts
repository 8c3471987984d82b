import { definePlugin } from "../core/plugins.js";

/**
 * The support chat's system messages. Events about ticket N speak in room `ticket:N`:
 *   ticket.operator_joined {ticket, operator: {id, name}, locale?} → "Operator Artyom joined" (and the operator joins the room)
 *   ticket.closed {ticket, locale?}   → "Ticket closed. Thank you!"
 *   ticket.reopened {ticket, locale?} → "Ticket reopened"
 * `data.kind` on each message lets clients show their own wording.
 */
const TEXT = {
  en: {
    operator_joined: (name: string) => `Operator ${name} joined`,
    closed: () => "Ticket closed. Thank you!",
    reopened: () => "Ticket reopened",
  },
  ru: {
    operator_joined: (name: string) => `Оператор ${name} подключился к чату`,
    closed: () => "Обращение закрыто. Спасибо!",
    reopened: () => "Обращение открыто снова",
  },
} as const;

type Kind = keyof (typeof TEXT)["en"];
const KINDS: Record<string, Kind> = { "ticket.operator_joined": "operator_joined", "ticket.closed": "closed", "ticket.reopened": "reopened" };

/** The room an event about a ticket speaks in; undefined when it names no ticket. */
function roomOf(event: { data?: Record<string, unknown> }): string | undefined {
  const ticket = event.data?.ticket;
  if ((typeof ticket !== "string" && typeof ticket !== "number") || String(ticket) === "") return undefined;
  return `ticket:${ticket}`;
}

export const supportTicketsPlugin = definePlugin({
  id: "support-tickets",
  events: Object.keys(KINDS),
  // One ticket's system messages appear in the order its events were accepted.
  orderingKey: roomOf,
  async onEvent(event, api) {
    const data = event.data ?? {};
    const topic = roomOf(event);
    if (!topic) return;
    const ticket = data.ticket as string | number;
    const kind = KINDS[event.type]!;
    const locale = typeof data.locale === "string" && data.locale.toLowerCase().startsWith("ru") ? "ru" : "en";
    const operator = (data.operator ?? {}) as { id?: unknown; name?: unknown };
    const operatorName = typeof operator.name === "string" ? operator.name : "";
    if (kind === "operator_joined" && typeof operator.id === "string") await api.addToTopic(topic, operator.id, { name: operatorName || undefined });
    await api.postSystemMessage(topic, {
      key: `event:${event.id}`,
      body: TEXT[locale][kind](operatorName),
      data: { kind, ticket: String(ticket), ...(operatorName ? { operator: { id: operator.id ?? null, name: operatorName } } : {}) },
    });
  },
});
