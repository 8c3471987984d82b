/**
 * read-all on D1 over a backlog of 10,000 unread notifications, never seen, with a status webhook
 * endpoint subscribed to notification.seen and notification.read: the request marks them all and
 * queues one event of each kind for each, and it,
 * like every queue batch that then sends the events, stays within the profile's budget (the meter
 * counts each invocation's D1 statements, bound parameters and subrequests, and refuses any call
 * past the budget: HERALD_BUDGET_STRICT). The receiving peer (webhook-peer-setup.ts) verifies every
 * signature and must see each notification's events at most once. The inside-workerd-free project
 * runs the request again on the free-plan profile (50 queries); there the sends are left out
 * (READ_ALL_TEST_SEND=0): 10,000 jobs in batches of 10 would take minutes.
 */
import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { notificationId } from "../../../src/core/ids.js";
import { profileOf } from "../../../src/runtimes/cloudflare/budget.js";
import { clearInvocationRecords, invocationRecords } from "../../../src/runtimes/cloudflare/meter.js";
import { call, eventually } from "./support.js";

const N = 10_000;
/** Sends waited for (see below). */
const SENT = 2000;
const profile = profileOf(env);
const send = env.READ_ALL_TEST_SEND !== "0";
const peer = inject("webhookPeer");
const peerStats = async () => (await (await fetch(peer.controlUrl)).json()) as { received: number; ids: string[]; requests: number; refused: unknown[] };

it(`read-all of ${N} unread notifications queues one notification.seen and one notification.read each, every invocation within the ${profile.name} budget`, async () => {
  expect((await call("GET", "/healthz")).status).toBe(200);
  const subscriber = "ra-reader";
  expect((await call("PUT", `/v1/subscribers/${subscriber}`, { name: "Reader" })).status).toBe(201);
  // Events, notifications and inbox items straight into D1 (the API that makes them is tested elsewhere).
  const at = Date.now() - 60_000;
  const rows = Array.from({ length: N }, (_, i) => ({ event: `ra-${i}`, notification: notificationId(`ra-${i}`, "ra", subscriber, at), seq: i + 1 }));
  for (let i = 0; i < N; i += 5000) {
    const json = JSON.stringify(rows.slice(i, i + 5000));
    await env.DB.batch([
      env.DB.prepare("INSERT INTO events (id, type, body, received_at, planned_at) SELECT value ->> 'event', 'ra', '{}', ?1, ?1 FROM json_each(?2)").bind(at, json),
      env.DB.prepare("INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) SELECT value ->> 'notification', value ->> 'event', 'ra', ?3, ?1 FROM json_each(?2)").bind(at, json, subscriber),
      env.DB.prepare("INSERT INTO inbox (subscriber_id, seq, id, type, title, created_at) SELECT ?3, value ->> 'seq', value ->> 'notification', 'notification', 'Note', ?1 FROM json_each(?2)").bind(at, json, subscriber),
    ]);
  }
  const endpoint = await call("POST", "/v1/webhook-endpoints", { url: `${peer.url}/reads`, events: ["notification.seen", "notification.read"] });
  expect(endpoint.status).toBe(201);
  await fetch(peer.controlUrl, { method: "POST", body: JSON.stringify({ secret: endpoint.body.secret }) });
  const token = (await call("POST", `/v1/subscribers/${subscriber}/tokens`, {})).body.token as string;
  const before = await peerStats();

  clearInvocationRecords();
  const marked = await call("POST", "/v1/me/notifications/read-all", undefined, token);
  expect(marked).toEqual({ status: 200, body: { marked: N, count: 0 } });
  for (const type of ["notification.seen", "notification.read"]) {
    const queued = await env.DB.prepare("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM webhook_messages WHERE endpoint_id = ? AND type = ?").bind(endpoint.body.id, type).first();
    expect(queued).toEqual({ n: N, ids: N });
  }
  await new Promise((r) => setTimeout(r, 200));
  const request = invocationRecords().find((r) => r.kind === "request" && r.label === "POST /v1/me/notifications/read-all")!;
  expect(request.over).toEqual([]);
  expect(request.d1Queries).toBeLessThanOrEqual(profile.budget.d1Queries);
  expect(request.maxBoundParameters).toBeLessThanOrEqual(100);

  if (send) {
    // The queue sends them to the peer, which verifies each signature and accepts each id once;
    // every batch stays within budget. The first SENT are waited for (a 10,000 send takes ~50 s
    // on local workerd, fetches bound); that all 20,000 were queued once each is checked above.
    const stats = await eventually(async () => {
      const now = await peerStats();
      return now.received - before.received >= SENT ? now : undefined;
    }, 60_000);
    expect(stats.refused).toEqual([]);
    const ids = stats.ids.slice(before.received);
    const expected = new Set(rows.flatMap((r) => [`${r.notification}.seen`, `${r.notification}.read`]));
    expect(ids.filter((id) => !expected.has(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stats.requests - before.requests).toBe(ids.length);
    const over = invocationRecords().filter((r) => r.over.length > 0 || r.maxBoundParameters > 100 || r.d1Queries > profile.budget.d1Queries || r.subrequests > profile.budget.subrequests);
    expect(over).toEqual([]);
    expect(invocationRecords().filter((r) => r.kind === "queue").length).toBeGreaterThanOrEqual(SENT / profile.jobsPerBatch);
  }
  // Gone with the endpoint: what is left of its queue is dropped, so nothing runs on into the next file.
  expect((await call("DELETE", `/v1/webhook-endpoints/${endpoint.body.id}`)).status).toBe(204);
});
