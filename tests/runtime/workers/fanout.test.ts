/**
 * A room message to 1,000 connected members (one socket each; HERALD_FANOUT_TEST_SOCKETS=5000 gives
 * them 5 tabs each). The message is stored once
 * per member in D1 and handed to the members' inbox objects through a tree of relays: the test sets
 * relays of 25 inboxes and at most 8 relays an invocation (HERALD_FANOUT_BATCH, HERALD_FANOUT_RELAYS),
 * so the request calls 8 relays, each hands slices to 5 more, each calling 25 inbox objects. Every
 * socket receives the message exactly once, and every invocation on the way stays within the free
 * plan's 50 subrequests (and the paid budget's 500 D1 queries).
 */
import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";
import { expect, it } from "vitest";
import { clearInvocationRecords, invocationRecords } from "../../../src/runtimes/cloudflare/meter.js";
import { call, eventually, live, type LiveSocket } from "./support.js";

const MEMBERS = Number(env.FANOUT_TEST_MEMBERS ?? 1000);
// One socket per member by default; more tabs cost little once the objects exist.
const TABS = Math.max(1, Math.round(Number(env.FANOUT_TEST_SOCKETS ?? 1000) / MEMBERS));
const ROOM = "fanout:big";

it(`fans a room message out to ${MEMBERS} connected members (${MEMBERS * TABS} sockets) through a relay tree, once each, within budget`, async () => {
  expect((await call("GET", "/healthz")).status).toBe(200); // migrates the database
  const ids = Array.from({ length: MEMBERS }, (_, i) => `fan-${String(i).padStart(4, "0")}`);
  const now = Date.now();
  // Members straight into D1: the API for them is tested elsewhere; this test is about the fan-out.
  await env.DB.batch([
    env.DB.prepare("INSERT INTO subscribers (id, name, created_at, updated_at) SELECT value, value, ?, ? FROM json_each(?)").bind(now, now, JSON.stringify(ids)),
    env.DB.prepare("INSERT INTO topic_subscribers (topic, subscriber_id, created_at) SELECT ?, value, ? FROM json_each(?)").bind(ROOM, now, JSON.stringify(ids)),
  ]);

  // Sockets opened on the inbox objects (the Worker's token check is tested elsewhere).
  const sockets: LiveSocket[] = [];
  for (let tab = 0; tab < TABS; tab++) {
    for (let i = 0; i < ids.length; i += 100) {
      const opened = await Promise.all(
        ids.slice(i, i + 100).map(async (id) => {
          const stub = env.INBOX.get(env.INBOX.idFromName(id));
          return live(await stub.fetch("https://inbox.herald/connect?after=0&transport=ws", { headers: { upgrade: "websocket", "x-herald-subscriber": id } }));
        }),
      );
      sockets.push(...opened);
    }
  }
  expect(sockets).toHaveLength(MEMBERS * TABS);
  await eventually(() => sockets.every((s) => s.frames.some((f) => f.type === "ready")), 120_000);
  const openMs = Date.now() - now;
  if (env.FANOUT_TEST_TRACE) console.log("opened", sockets.length, openMs);

  clearInvocationRecords();
  const started = Date.now();
  // From an operator who is a member: the other members' copies record delivery (the sender's indicator).
  const posted = await call("POST", `/v1/topics/${encodeURIComponent(ROOM)}/messages`, { body: "Доставка задерживается", senderId: ids[0] });
  expect(posted.status).toBe(201);
  if (env.FANOUT_TEST_TRACE) console.log("posted", Date.now() - started, JSON.stringify(invocationRecords().slice(-3)));
  await eventually(() => sockets.every((s) => s.items().length > 0), 120_000);
  const fanOutMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 300));

  for (const s of sockets) {
    const messages = s.frames.filter((f) => f.type === "message");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ id: posted.body.id, seq: 1, body: "Доставка задерживается", topic: ROOM });
  }
  // Reaching a socket is recorded (delivered indicator), in one write per relay rather than one per
  // member; not for the sender's own copy, which has no one to tell.
  await eventually(async () => {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM inbox WHERE topic = ? AND delivered_at IS NOT NULL").bind(ROOM).first<{ n: number }>();
    return row?.n === MEMBERS - 1;
  }, 60_000);
  const own = await env.DB.prepare("SELECT delivered_at FROM inbox WHERE topic = ? AND subscriber_id = ?").bind(ROOM, ids[0]).first<{ delivered_at: number | null }>();
  expect(own?.delivered_at).toBeNull();
  expect((await listDurableObjectIds(env.FANOUT)).length).toBeGreaterThanOrEqual(8);

  // Every invocation: the request, the relays (branches and leaves), the inbox objects.
  await new Promise((r) => setTimeout(r, 300));
  const records = invocationRecords();
  const relays = records.filter((r) => r.kind === "relay");
  expect(relays.length).toBeGreaterThanOrEqual(MEMBERS / 25);
  expect(records.filter((r) => r.over.length > 0 || r.subrequests > 50 || r.d1Queries > 500 || r.maxBoundParameters > 100)).toEqual([]);
  const request = records.find((r) => r.kind === "request" && r.label.startsWith("POST /v1/topics/"))!;
  expect(request.objectCalls).toBeLessThanOrEqual(8);
  const widest = Math.max(...records.map((r) => r.subrequests));
  console.log(JSON.stringify({ sockets: sockets.length, members: MEMBERS, relays: relays.length, widestInvocationSubrequests: widest, openMs, fanOutMs }));
  await Promise.all(sockets.map((s) => s.close()));
}, 300_000);
