/**
 * A room message to thousands of sockets (5,000: 250 members with 20 open tabs each). The message is
 * stored once per member in D1, handed to the members' inbox objects through the fan-out relays (the
 * test sets HERALD_FANOUT_BATCH=25, so 250 members spread over 10 relay objects, as 5,000 members
 * would over 20 at the default 250), and every socket receives it exactly once.
 */
import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";
import { expect, it } from "vitest";
import { call, eventually, live, type LiveSocket } from "./support.js";

// 5,000 sockets: 250 members x 20 tabs (about 20 s here); HERALD_FANOUT_TEST_SOCKETS=500 for a quick run.
const SOCKETS = Number(env.FANOUT_TEST_SOCKETS ?? 5000);
const TABS = SOCKETS >= 5000 ? 20 : 5;
const MEMBERS = Math.ceil(SOCKETS / TABS);
const BATCH = 25;
const ROOM = "fanout:big";

it(`fans a room message out to ${MEMBERS * TABS} sockets across relay shards, once each`, async () => {
  expect((await call("GET", "/healthz")).status).toBe(200); // migrates the database
  const ids = Array.from({ length: MEMBERS }, (_, i) => `fan-${i}`);
  const now = Date.now();
  // Members straight into D1: the API for them is tested elsewhere; this test is about the fan-out.
  await env.DB.batch(
    ids.flatMap((id) => [
      env.DB.prepare("INSERT INTO subscribers (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)").bind(id, id, now, now),
      env.DB.prepare("INSERT INTO topic_subscribers (topic, subscriber_id, created_at) VALUES (?, ?, ?)").bind(ROOM, id, now),
    ]),
  );

  // Sockets opened on the inbox objects (the Worker's token check is tested elsewhere).
  const sockets: LiveSocket[] = [];
  for (let tab = 0; tab < TABS; tab++) {
    const opened = await Promise.all(
      ids.map(async (id) => {
        const stub = env.INBOX.get(env.INBOX.idFromName(id));
        return live(await stub.fetch("https://inbox.herald/connect?after=0&transport=ws", { headers: { upgrade: "websocket", "x-herald-subscriber": id } }));
      }),
    );
    sockets.push(...opened);
  }
  expect(sockets).toHaveLength(MEMBERS * TABS);
  await eventually(() => sockets.every((s) => s.frames.some((f) => f.type === "ready")), 90_000);
  const openMs = Date.now() - now;

  const started = Date.now();
  // From an operator who is a member: the other members' copies record delivery (the sender's indicator).
  const posted = await call("POST", `/v1/topics/${encodeURIComponent(ROOM)}/messages`, { body: "Доставка задерживается", senderId: ids[0] });
  expect(posted.status).toBe(201);
  await eventually(() => sockets.every((s) => s.items().length > 0), 60_000);
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
  }, 30_000);
  const own = await env.DB.prepare("SELECT delivered_at FROM inbox WHERE topic = ? AND subscriber_id = ?").bind(ROOM, ids[0]).first<{ delivered_at: number | null }>();
  expect(own?.delivered_at).toBeNull();
  expect((await listDurableObjectIds(env.FANOUT)).length).toBeGreaterThanOrEqual(MEMBERS / BATCH);
  console.log(JSON.stringify({ sockets: sockets.length, members: MEMBERS, relays: MEMBERS / BATCH, openMs, fanOutMs }));
  await Promise.all(sockets.map((s) => s.close()));
});
