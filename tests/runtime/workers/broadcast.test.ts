/**
 * A broadcast to 10,000 subscribers on workerd (issue 15's proof): in-app to all of them, web push
 * too, which reaches the 1,000 who have a subscription on the push-service peer (it checks every
 * VAPID JWT and decrypts every message) and fails for good, once, for the others. Planning runs in
 * parts of 100 on the `herald-plans` queue, pushes as one job a message on `herald-jobs`; 200 of the
 * subscribers are connected and see the item live. Every delivery is recorded exactly once, and
 * every invocation along the way (requests, queue batches, relays, inbox calls, alarms) stays
 * within the budget: the meter (cloudflare/meter.ts) counts each one's D1 statements, bound
 * parameters and subrequests, and refuses any call past the budget (HERALD_BUDGET_STRICT). The
 * inside-workerd-free project runs it again for 1,000 subscribers on the free-plan profile (50 and 50).
 */
import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { profileOf } from "../../../src/runtimes/cloudflare/budget.js";
import { clearInvocationRecords, invocationRecords, type InvocationRecord } from "../../../src/runtimes/cloudflare/meter.js";
import { call, eventually, live, type LiveSocket } from "./support.js";

const N = Number(env.BROADCAST_TEST_SUBSCRIBERS ?? 10_000);
/** The paid profile, or the free one in the inside-workerd-free project. */
const profile = profileOf(env);
const CONNECTED = 200;
const TOPIC = "bc:everyone";
const ids = Array.from({ length: N }, (_, i) => `bc-${String(i).padStart(5, "0")}`);

/** One row per kind (queue batches per queue): how many invocations, and the largest of each count. */
function summary(records: InvocationRecord[]) {
  const out: Record<string, { n: number; d1: number; sub: number; params: number; wallMs: number }> = {};
  for (const r of records) {
    const kind = r.kind === "queue" ? `queue ${r.label.split(" ")[0]}` : r.kind;
    const s = (out[kind] ??= { n: 0, d1: 0, sub: 0, params: 0, wallMs: 0 });
    s.n++;
    s.d1 = Math.max(s.d1, r.d1Queries);
    s.sub = Math.max(s.sub, r.subrequests);
    s.params = Math.max(s.params, r.maxBoundParameters);
    s.wallMs = Math.max(s.wallMs, r.wallMs);
  }
  return out;
}

it(`broadcasts to ${N} subscribers (in-app, and web push for ${Math.floor(N / 10)}) with every delivery recorded once and every invocation within budget`, async () => {
  const peer = inject("pushPeer");
  // A tenth of the audience has a browser subscribed to push (all 1,000 of the peer's for 10,000).
  const push = peer.subscriptions.slice(0, Math.floor(N / 10));
  expect((await call("GET", "/healthz")).status).toBe(200);
  const now = Date.now();
  // Subscribers, memberships and push subscriptions straight into D1 (the API for them is tested elsewhere).
  const rows = (list: unknown[]) => JSON.stringify(list);
  for (let i = 0; i < N; i += 5000) {
    const part = ids.slice(i, i + 5000);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO subscribers (id, name, created_at, updated_at) SELECT value, value, ?, ? FROM json_each(?)").bind(now, now, rows(part)),
      env.DB.prepare("INSERT INTO topic_subscribers (topic, subscriber_id, created_at) SELECT ?, value, ? FROM json_each(?)").bind(TOPIC, now, rows(part)),
    ]);
  }
  await env.DB.prepare(
    "INSERT INTO push_subscriptions (endpoint, subscriber_id, p256dh, auth, created_at) SELECT value ->> '$.endpoint', value ->> '$.s', value ->> '$.keys.p256dh', value ->> '$.keys.auth', ? FROM json_each(?)",
  )
    .bind(now, rows(push.map((p, i) => ({ ...p, s: ids[i] }))))
    .run();
  expect((await call("PUT", "/v1/templates/bc", { channels: { realtime: { title: "Sale", body: "Today only" }, push: { title: "Sale", body: "Today only", url: "https://shop.example/sale" } } })).status).toBe(200);

  // Connected subscribers, spread over the audience, with a socket each on their inbox object.
  const connectedIds = ids.filter((_, i) => i % Math.floor(N / CONNECTED) === 0).slice(0, CONNECTED);
  const sockets: LiveSocket[] = await Promise.all(
    connectedIds.map(async (id) => live(await env.INBOX.get(env.INBOX.idFromName(id)).fetch("https://inbox.herald/connect?after=0&transport=ws", { headers: { upgrade: "websocket", "x-herald-subscriber": id } }))),
  );
  await eventually(() => sockets.every((s) => s.frames.some((f) => f.type === "ready")), 60_000);

  clearInvocationRecords();
  const started = Date.now();
  const posted = await call("POST", "/v1/broadcasts", { template: "bc", audience: { topic: TOPIC }, channels: ["realtime", "push"] });
  expect(posted.status).toBe(202);
  let lastLog = 0;
  const progress = await eventually(async () => {
    const view = (await call("GET", `/v1/broadcasts/${posted.body.id}`)).body;
    if (env.BROADCAST_TEST_TRACE && Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      console.log(JSON.stringify({ t: Date.now() - started, ...view, byKind: summary(invocationRecords()) }));
    }
    return view.status === "done" ? view : undefined;
    // Each look counts 2N deliveries in the isolate doing the work; twice a second is enough to see the end.
  }, 240_000, 500);
  const elapsedMs = Date.now() - started;

  // Every delivery recorded once: one notification per subscriber, two deliveries each.
  expect(progress).toMatchObject({ total: 2 * N, sent: N + push.length, failed: N - push.length, pending: 0, cancelled: 0 });
  const counts = await env.DB.prepare(
    `SELECT count(*) AS deliveries, count(DISTINCT n.id) AS notifications, count(DISTINCT n.subscriber_id) AS subscribers, max(d.attempts) AS attempts,
       sum(d.channel = 'push' AND d.status = 'sent') AS pushed, sum(d.channel = 'push' AND d.status = 'failed' AND d.last_error LIKE 'no_push_subscription%') AS unreachable,
       sum(d.channel = 'realtime' AND d.status IN ('sent', 'delivered')) AS inApp
     FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = ?`,
  )
    .bind(posted.body.id)
    .first<Record<string, number>>();
  expect(counts).toEqual({ deliveries: 2 * N, notifications: N, subscribers: N, attempts: 1, pushed: push.length, unreachable: N - push.length, inApp: N });
  const inbox = await env.DB.prepare("SELECT count(*) AS items, count(DISTINCT subscriber_id) AS subscribers FROM inbox WHERE id IN (SELECT id FROM notifications WHERE event_id = ?)").bind(posted.body.id).first();
  expect(inbox).toEqual({ items: N, subscribers: N });
  const left = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE id LIKE ?").bind(`plan:${posted.body.id}%`).first<{ n: number }>();
  expect(left!.n).toBe(0);

  // The push peer got each of the 1,000 once, each VAPID-signed and decryptable.
  const stats = (await (await fetch(peer.statsUrl)).json()) as { received: number; distinct: number; notificationIds: string[]; rejected: string[] };
  expect(stats.rejected).toEqual([]);
  expect(stats.distinct).toBe(push.length);
  expect(new Set(stats.notificationIds).size).toBe(push.length);

  // The connected ones saw it live, once.
  await eventually(() => sockets.every((s) => s.items().length === 1), 30_000);
  for (const s of sockets) expect(s.frames.filter((f) => f.type === "notification")).toHaveLength(1);

  // Every invocation within the profile's budget, and planning in bounded parts (~N/partSize of them).
  await new Promise((r) => setTimeout(r, 200));
  const records = [...invocationRecords()];
  const over = records.filter((r) => r.over.length > 0 || r.maxBoundParameters > 100 || r.d1Queries > profile.budget.d1Queries || r.subrequests > profile.budget.subrequests);
  expect(over).toEqual([]);
  const queueBatches = records.filter((r) => r.kind === "queue");
  expect(queueBatches.filter((r) => r.label.startsWith("herald-plans")).length).toBeGreaterThanOrEqual(Math.floor(N / profile.planParts.partSize / profile.plansPerBatch));
  if (env.BROADCAST_TEST_TRACE) {
    for (const r of [...records].sort((a, b) => b.d1Queries - a.d1Queries).slice(0, 8)) console.log("top d1", JSON.stringify(r));
    for (const r of [...records].sort((a, b) => b.wallMs - a.wallMs).slice(0, 8)) console.log("top wall", JSON.stringify(r));
    for (const r of records.filter((r) => r.kind === "queue")) console.log("queue", r.label, r.d1Queries, r.d1Calls, r.subrequests, r.wallMs);
  }
  // GET /v1/events/{id} on D1 for the broadcast's N notifications: 200 in pages of at most 1,000
  // (oldest first, `next` cursor, `notificationCount` for all), each request within budget.
  clearInvocationRecords();
  const seen = new Set<string>();
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await call("GET", `/v1/events/${posted.body.id}?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    expect(page.status).toBe(200);
    expect(page.body.notificationCount).toBe(N);
    expect(page.body.notifications.length).toBeLessThanOrEqual(1000);
    for (const n of page.body.notifications as { id: string; deliveries: unknown[] }[]) {
      expect(n.deliveries).toHaveLength(2);
      seen.add(n.id);
    }
    after = page.body.next;
    pages++;
  } while (after);
  expect(seen.size).toBe(N);
  expect(pages).toBe(Math.ceil(N / 1000));
  expect(invocationRecords().filter((r) => r.over.length > 0 || r.maxBoundParameters > 100)).toEqual([]);
  console.log(JSON.stringify({ subscribers: N, deliveries: 2 * N, elapsedMs, deliveriesPerSecond: Math.round((2 * N * 1000) / elapsedMs), invocations: records.length, byKind: summary(records) }));
  for (const s of sockets) s.ws.close();
}, 400_000);
