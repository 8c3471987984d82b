import { z } from "@hono/zod-openapi";

/** Who wrote a room message; `system` marks messages Herald itself posted (a plugin, an operator tool). */
export const Sender = z.object({ id: z.string().nullable(), name: z.string().nullable(), system: z.boolean().optional() }).openapi("Sender");

/**
 * An item of a subscriber's stream as clients see it (docs/realtime.md): REST pages, SSE `data`,
 * WebSocket frames. The one definition: the real-time frames type it by inference and the SDK's
 * herald.d.ts is checked against it (src/client/herald-types.test.ts).
 */
export const InboxItem = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    type: z.enum(["notification", "message"]),
    topic: z.string().nullable(),
    title: z.string().nullable(),
    body: z.string().nullable(),
    url: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    actions: z
      .array(z.object({ action: z.string(), title: z.string(), url: z.string().optional() }))
      .openapi({ description: "Buttons from the template's realtime.actions (rendered); empty for room messages" }),
    sender: Sender.nullable(),
    clientMessageId: z.string().nullable(),
    createdAt: z.string(),
    seenAt: z.string().nullable(),
    readAt: z.string().nullable(),
  })
  .openapi("InboxItem");
export type InboxItem = z.infer<typeof InboxItem>;

/** An item as the inbox list answers it: with its archive time (live frames never carry archived items). */
export const ListedItem = InboxItem.extend({ archivedAt: z.string().nullable() }).openapi("ListedItem");
export type ListedItem = z.infer<typeof ListedItem>;

/** The read state of an item after a mark (seen, read, unread, archive). */
export const ItemState = z.object({ id: z.string(), seenAt: z.string().nullable(), readAt: z.string().nullable(), archivedAt: z.string().nullable() }).openapi("ItemState");
export type ItemState = z.infer<typeof ItemState>;

/** A room message as the server answers it (a post, room history), with how far it got. */
export const Message = z
  .object({
    id: z.string(),
    topic: z.string(),
    clientMessageId: z.string().nullable(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    sender: Sender,
    createdAt: z.string(),
    status: z.enum(["sent", "delivered", "read"]).openapi({ description: "How far it got with the other members: stored, reached a live connection, read by someone" }),
    deliveredAt: z.string().nullable(),
    readAt: z.string().nullable(),
  })
  .openapi("Message");
export type Message = z.infer<typeof Message>;
