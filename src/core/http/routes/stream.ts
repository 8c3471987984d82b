import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, ProblemError } from "../../errors.js";
import { wsText } from "../../realtime/frames.js";
import { ERASED_REASON, openStream, type StreamOutput } from "../../realtime/session.js";
import { tokenStillValid } from "../../auth/subscriber-access.js";
import type { TokenClaims } from "../../auth/subscriber-token.js";
import type { Context } from "hono";
import { unauthorized } from "../problem.js";
import { MAX_UNSENT_BYTES, sseResponse } from "../../realtime/sse.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { problems } from "../openapi.js";

const WS_HEARTBEAT_MS = 30_000;

/** `after` from `?after=` or (SSE reconnects) `Last-Event-ID`; 0 means from the start. */
function cursor(query: string | undefined, lastEventId: string | undefined): number {
  const raw = lastEventId ?? query ?? "0";
  if (!/^\d{1,15}$/.test(raw)) throw invalidRequest("the cursor is not a sequence number", [{ path: lastEventId ? "Last-Event-ID" : "after", message: "a non-negative integer" }]);
  return Number(raw);
}

const Cursor = z.string().regex(/^\d{1,15}$/).optional();

/** Both routes answer outside zod-openapi (a stream, an upgrade): documented here. */
function documentStreams(app: OpenAPIHono<AppEnv>) {
  const security = [{ subscriberToken: [] }];
  const after = Cursor.openapi({ param: { name: "after", in: "query" }, description: "Resume after this seq (0: from the start)" });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/me/stream",
    summary: "Your live stream as server-sent events (`event: notification`, `id: <seq>`); resumes from Last-Event-ID or ?after=",
    security,
    request: { query: z.object({ after }), headers: z.object({ "last-event-id": Cursor.openapi({ param: { name: "last-event-id", in: "header" } }) }) },
    responses: { 200: { description: "The stream", content: { "text/event-stream": { schema: z.string() } } }, ...problems },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/me/ws",
    summary: "Your live stream over WebSocket (JSON frames); resumes from ?after=",
    security,
    request: { query: z.object({ after }) },
    responses: { 101: { description: "Switching to WebSocket" }, 426: problems[400], ...problems },
  });
}

/** Live delivery of a subscriber's stream over SSE and WebSocket (docs/realtime.md). */
export function streamRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  documentStreams(app);
  // Asked again once a connection is registered: see openStream (and core/erasure.ts).
  const stillAuthorized = (claims: TokenClaims) => () => tokenStillValid(deps.store, claims);
  const open = deps.hub.open?.bind(deps.hub);
  if (open) {
    // Connections live in the hub (Workers: Durable Objects): hand it the authenticated request.
    const openChecked = async (c: Context<AppEnv>, after: number, transport: "sse" | "ws") => {
      const response = await open(c.req.raw, c.get("subscriberId"), after, transport);
      if (await stillAuthorized(c.get("subscriberClaims"))()) return response;
      await response.body?.cancel();
      await deps.hub.disconnect(c.get("subscriberId"), ERASED_REASON);
      throw unauthorized("the subscriber no longer exists");
    };
    app.get("/v1/me/stream", (c) => openChecked(c, cursor(c.req.query("after"), c.req.header("last-event-id")), "sse"));
    app.get("/v1/me/ws", (c) => {
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ProblemError(426, "upgrade-required", "Upgrade required", "this endpoint speaks WebSocket: send Upgrade: websocket");
      return openChecked(c, cursor(c.req.query("after"), undefined), "ws");
    });
    return;
  }
  app.get("/v1/me/stream", (c) => {
    const after = cursor(c.req.query("after"), c.req.header("last-event-id"));
    const subscriberId = c.get("subscriberId");
    const check = stillAuthorized(c.get("subscriberClaims"));
    return sseResponse((out) => openStream(deps, subscriberId, after, out, check));
  });

  const upgrade = deps.upgradeWebSocket;
  if (!upgrade) return;
  app.get(
    "/v1/me/ws",
    upgrade((c) => {
      const after = cursor(c.req.query("after"), undefined);
      const subscriberId = c.get("subscriberId");
      const check = stillAuthorized(c.get("subscriberClaims"));
      let stop: (() => void) | undefined;
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      return {
        onOpen(_event, ws) {
          // On Node, what is sent in one turn leaves in one socket write (node/websocket/coalescing-websocket.ts).
          const raw = ws.raw as { bufferedAmount?: number; ping?: () => void } | undefined;
          const out: StreamOutput = {
            send(frame) {
              if (ws.readyState !== 1) return false;
              ws.send(wsText(frame));
              return (raw?.bufferedAmount ?? 0) <= MAX_UNSENT_BYTES;
            },
            close(reason) {
              clearInterval(heartbeat);
              // 4000-4999 are application codes: the SDK reconnects and resumes.
              if (ws.readyState === 1) ws.close(4000, reason.slice(0, 100));
            },
          };
          heartbeat = setInterval(() => (raw?.ping ? raw.ping() : ws.send('{"type":"heartbeat"}')), WS_HEARTBEAT_MS);
          stop = openStream(deps, subscriberId, after, out, check);
        },
        onMessage(event, ws) {
          let message: { type?: string; topic?: string };
          try {
            message = JSON.parse(String(event.data));
          } catch {
            return;
          }
          if (message.type === "ping") ws.send('{"type":"pong"}');
          else if (message.type === "typing" && typeof message.topic === "string") void typingFromSocket(deps, subscriberId, message.topic);
        },
        onClose() {
          clearInterval(heartbeat);
          stop?.();
        },
      };
    }),
  );
}

async function typingFromSocket(deps: HttpDeps, subscriberId: string, topic: string) {
  if (!(await deps.store.topics.isMember(topic, subscriberId))) return;
  const subscriber = await deps.store.subscribers.get(subscriberId);
  await deps.realtime.typing(topic, { id: subscriberId, name: subscriber?.name ?? null });
}
