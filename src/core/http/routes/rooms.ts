import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, notFound, ProblemError } from "../../errors.js";
import { ExternalId, JsonObject, TopicKey } from "../../schemas/common.js";
import { Message } from "../../schemas/inbox.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const subscriberSecurity = [{ subscriberToken: [] }];
const KeyParams = z.object({ key: TopicKey.openapi({ param: { name: "key", in: "path" }, example: "ticket:77" }) });
const Room = z.object({ key: z.string(), name: z.string().nullable(), allowMessages: z.boolean() }).openapi("Room");
const MyRoom = Room.extend({ unread: z.number().int().openapi({ description: "Messages here you have not read (your own excluded)" }) }).openapi("MyRoom");
const RoomInput = z.strictObject({ name: z.string().max(200).nullable().optional(), allowMemberMessages: z.boolean().optional() }).openapi("RoomInput");
const MessageInput = z.strictObject({ clientMessageId: ExternalId, body: z.string().min(1).max(4000), data: JsonObject.optional() }).openapi("MessageInput");
const ServerMessageInput = z
  .strictObject({ body: z.string().min(1).max(4000), senderId: ExternalId.optional(), system: z.boolean().optional(), clientMessageId: ExternalId.optional(), data: JsonObject.optional() })
  .openapi("ServerMessageInput");
type MessageView = z.infer<typeof Message>;
type MessageRow = NonNullable<Awaited<ReturnType<HttpDeps["store"]["topics"]["getMessage"]>>>;
const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());

/** Topics as rooms for two-way conversations (docs/realtime.md). */
export function roomRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, realtime, clock } = deps;

  /** Messages as clients see them, with their receipts (one query for the lot). */
  async function views(rows: MessageRow[]): Promise<MessageView[]> {
    const receipts = await store.inboxState.receipts(rows.map((m) => m.id));
    return rows.map((m) => {
      const r = receipts.get(m.id);
      return {
        id: m.id,
        topic: m.topic,
        clientMessageId: m.clientMessageId,
        body: m.body,
        data: m.data ?? {},
        sender: { id: m.senderId, name: m.senderName, ...(m.system ? { system: true } : {}) },
        createdAt: new Date(m.createdAt).toISOString(),
        status: r?.readAt ? "read" : r?.deliveredAt ? "delivered" : "sent",
        deliveredAt: iso(r?.deliveredAt),
        readAt: iso(r?.readAt),
      };
    });
  }
  const view = async (id: string): Promise<MessageView> => (await views([(await store.topics.getMessage(id))!]))[0]!;

  /** Non-members learn nothing about a room, not even that it exists. */
  async function requireMember(key: string, subscriberId: string) {
    if (!(await store.topics.isMember(key, subscriberId))) throw notFound("topic", key);
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/topics",
      summary: "Rooms you belong to, with what you have not read in each",
      security: subscriberSecurity,
      responses: { 200: jsonResponse(z.object({ items: z.array(MyRoom) }), "Rooms"), ...problems },
    }),
    async (c) => {
      const subscriberId = c.get("subscriberId");
      const [rooms, { rooms: unread }] = await Promise.all([store.topics.of(subscriberId), store.inboxState.unreadBreakdown(subscriberId)]);
      return c.json({ items: rooms.map((room) => ({ ...room, unread: unread[room.key] ?? 0 })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/topics/{key}/messages",
      summary: "Room history, oldest first",
      security: subscriberSecurity,
      request: {
        params: KeyParams,
        query: z.object({
          before: z.iso.datetime().optional().openapi({ param: { name: "before", in: "query" }, description: "Messages posted before this time" }),
          beforeMessage: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .openapi({
              param: { name: "beforeMessage", in: "query" },
              description: "Messages stored before this message of the room (its id): the next page of a history, with no gap where messages share a millisecond; not with `before`",
            }),
          limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" } }),
        }),
      },
      responses: { 200: jsonResponse(z.object({ items: z.array(Message) }), "Messages"), ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const { before, beforeMessage, limit } = c.req.valid("query");
      if (before && beforeMessage) throw invalidRequest("page from a time or from a message", [{ path: "beforeMessage", message: "not together with before" }]);
      await requireMember(key, c.get("subscriberId"));
      const rows = await store.topics.history(key, beforeMessage ? { messageId: beforeMessage } : before ? Date.parse(before) : clock.now() + 1, limit);
      if (!rows) throw invalidRequest("beforeMessage is not a message of this room", [{ path: "beforeMessage", message: "pass the id of a message this room's history gave" }]);
      return c.json({ items: await views(rows) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/me/topics/{key}/messages",
      summary: "Post to a room you belong to; the same clientMessageId again returns the first message",
      security: subscriberSecurity,
      request: { params: KeyParams, body: jsonBody(MessageInput) },
      responses: { 200: jsonResponse(Message, "Already posted"), 201: jsonResponse(Message, "Posted"), 403: problems[401], ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const input = c.req.valid("json");
      const subscriberId = c.get("subscriberId");
      await requireMember(key, subscriberId);
      const room = await store.topics.get(key);
      if (!room?.allowMemberMessages) throw new ProblemError(403, "messages-not-allowed", "Messages are not allowed here", `members cannot post to "${key}"`);
      const sender = await store.subscribers.get(subscriberId);
      const posted = await realtime.post(key, { senderId: subscriberId, senderName: sender?.name ?? null, body: input.body, clientMessageId: input.clientMessageId, data: input.data });
      return c.json(await view(posted.id), posted.created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/me/topics/{key}/typing",
      summary: "Tell the other members you are typing (not stored; at most once a second)",
      security: subscriberSecurity,
      request: { params: KeyParams },
      responses: { 204: { description: "Sent" }, 429: problems[401], ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const subscriberId = c.get("subscriberId");
      await requireMember(key, subscriberId);
      const sender = await store.subscribers.get(subscriberId);
      if (!(await realtime.typing(key, { id: subscriberId, name: sender?.name ?? null }))) {
        throw new ProblemError(429, "too-many-requests", "Too many typing events", "at most one typing event a second", { headers: { "retry-after": "1" } });
      }
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/topics/{key}",
      summary: "Configure a topic as a room",
      security: bearerSecurity,
      request: { params: KeyParams, body: jsonBody(RoomInput) },
      responses: { 200: jsonResponse(Room, "Saved"), ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const row = await store.topics.put(key, c.req.valid("json"), clock.now());
      return c.json({ key: row.key, name: row.name, allowMessages: row.allowMemberMessages }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/topics/{key}/messages",
      summary: "Post to a room as an operator (senderId) or as the system",
      security: bearerSecurity,
      request: { params: KeyParams, body: jsonBody(ServerMessageInput) },
      responses: { 200: jsonResponse(Message, "Already posted"), 201: jsonResponse(Message, "Posted"), ...problems },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const input = c.req.valid("json");
      const sender = input.senderId && !input.system ? await store.subscribers.get(input.senderId) : undefined;
      if (input.senderId && !input.system && !sender) throw notFound("subscriber", input.senderId);
      const posted = await realtime.post(key, {
        senderId: sender?.id ?? null,
        senderName: sender?.name ?? null,
        body: input.body,
        clientMessageId: input.clientMessageId ?? crypto.randomUUID(),
        data: input.data,
      });
      return c.json(await view(posted.id), posted.created ? 201 : 200);
    },
  );
}
