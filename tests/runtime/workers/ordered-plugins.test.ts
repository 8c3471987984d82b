/**
 * Plugin jobs with an ordering key on Cloudflare Queues (core/outbox/lanes.ts): each event's job is
 * its own queue message, and Queues keep no order between messages (batches, retries, concurrent
 * consumers). A ticket room's system messages still appear in the order the events were accepted,
 * once each, and every invocation stays within its budget.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../../src/runtimes/cloudflare/main.js";
import { profileOf } from "../../../src/runtimes/cloudflare/budget.js";
import { clearInvocationRecords, invocationRecords } from "../../../src/runtimes/cloudflare/meter.js";
import { call, eventually } from "./support.js";

/**
 * Events as Herald accepted them, one after another, with their plugin jobs and lane rows, each job
 * held by the queue as if its message were on its way (so nothing else sends it).
 */
async function accepted(ticket: string, count: number, prefix: string, only?: string): Promise<{ ids: string[]; bodies: string[] }> {
  const now = Date.now();
  const ids: string[] = [];
  const bodies: string[] = [];
  const statements = [];
  for (let i = 1; i <= count; i++) {
    const id = `${prefix}-${i}`;
    const kind = only ?? ["ticket.operator_joined", "ticket.closed", "ticket.reopened"][i % 3]!;
    const data = kind === "ticket.operator_joined" ? { ticket, operator: { id: `${prefix}-op-${i}`, name: `Op${i}` } } : { ticket };
    ids.push(`plugin:${id}`);
    bodies.push(kind === "ticket.operator_joined" ? `Operator Op${i} joined` : kind === "ticket.closed" ? "Ticket closed. Thank you!" : "Ticket reopened");
    statements.push(
      env.DB.prepare("INSERT INTO events (id, type, body, received_at, planned_at) VALUES (?, ?, ?, ?, ?)").bind(id, kind, JSON.stringify({ type: kind, data }), now, now),
      env.DB.prepare("INSERT INTO jobs (id, kind, ref, run_at, lease_owner, lease_until, created_at) VALUES (?, 'plugin', ?, ?, 'queue', ?, ?)").bind(`plugin:${id}`, id, now, now + 900_000, now),
      env.DB.prepare("INSERT INTO job_lanes (job_id, lane) VALUES (?, ?)").bind(`plugin:${id}`, `ticket:${ticket}`),
    );
  }
  await env.DB.batch(statements);
  return { ids, bodies };
}

async function customerIn(room: string, id: string): Promise<string> {
  expect((await call("PUT", `/v1/subscribers/${id}`, { name: id })).status).toBeLessThan(300);
  expect((await call("PUT", `/v1/topics/${room}/subscribers/${id}`)).status).toBeLessThan(300);
  return (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
}

async function consume(jobIds: string[], tag: string) {
  const batch = createMessageBatch(
    "herald-jobs",
    jobIds.map((j, k) => ({ id: `${tag}-${k}`, timestamp: new Date(), attempts: 1, body: { j } })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as never, env, ctx as never);
  expect((await getQueueResult(batch, ctx)).outcome).toBe("ok");
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function roomBodies(token: string, room: string): Promise<string[]> {
  const items = (await call("GET", "/v1/me/notifications?limit=200", undefined, token)).body.items as { topic: string; body: string }[];
  return items.filter((i) => i.topic === room).map((i) => i.body);
}

describe("ordered plugin jobs on Cloudflare Queues", () => {
  it("keeps a ticket's system messages in accept order through shuffled, repeated, concurrent batches, once each and within budget", async () => {
    clearInvocationRecords();
    const room = "ticket:w-order";
    const token = await customerIn(room, "w-order-customer");
    // The free profile runs one plugin job a batch: fewer events keep the test short.
    const count = profileOf(env as never).name === "free" ? 12 : 30;
    const { ids, bodies } = await accepted("w-order", count, "w-order");
    // Their messages arrive shuffled, a third of them twice, in three batches consumed at the same time.
    const messages = shuffled([...ids, ...ids.filter((_, k) => k % 3 === 0)], 7);
    const third = Math.ceil(messages.length / 3);
    await Promise.all([0, 1, 2].map((k) => consume(messages.slice(k * third, (k + 1) * third), `w-order-${k}`)));
    // Jobs that had to wait went back to the table and travel again as queue messages.
    const seen = await eventually(async () => {
      const got = await roomBodies(token, room);
      return got.length >= bodies.length ? got : undefined;
    }, 60_000);
    expect(seen).toEqual(bodies);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM topic_messages WHERE topic = ?").bind(room).first<{ n: number }>();
    expect(stored!.n).toBe(count);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM job_lanes WHERE lane = ?").bind(room).first<{ n: number }>()).toEqual({ n: 0 });
    const queue = invocationRecords().filter((r) => r.kind === "queue");
    expect(queue.length).toBeGreaterThanOrEqual(3);
    expect(invocationRecords().filter((r) => r.over.length > 0)).toEqual([]);
  });

  it("runs a full batch of plugin jobs (one ticket, or every job a different operator joining) within its profile's budget", async () => {
    const profile = profileOf(env as never);
    const total = profile.jobsPerBatch;
    for (const [tickets, tag, only] of [
      [1, "w-one", undefined],
      [total, "w-many", "ticket.operator_joined"],
    ] as const) {
      clearInvocationRecords();
      const all: string[] = [];
      const expected: string[] = [];
      for (let t = 0; t < tickets; t++) {
        const { ids, bodies } = await accepted(`${tag}-${t}`, total / tickets, `${tag}-${t}`, only);
        all.push(...ids);
        expected.push(...bodies);
      }
      await consume(shuffled(all, 3), tag);
      const first = invocationRecords().find((r) => r.kind === "queue" && r.label === `herald-jobs ×${total}`)!;
      expect(first.over).toEqual([]);
      // It ran at most the profile's share of plugin jobs; the others went back to travel again.
      const ranFirst = await env.DB.prepare(`SELECT count(*) AS n FROM topic_messages WHERE topic LIKE 'ticket:${tag}-%' AND created_at <= ?`)
        .bind(first.startedAt + first.wallMs)
        .first<{ n: number }>();
      expect(ranFirst!.n).toBeGreaterThan(0);
      expect(ranFirst!.n).toBeLessThanOrEqual(profile.pluginJobsPerBatch);
      const messages = async () =>
        (await env.DB.prepare(`SELECT body FROM topic_messages WHERE topic LIKE 'ticket:${tag}-%' ORDER BY topic, created_at, rowid`).all<{ body: string }>()).results.map((r) => r.body);
      await eventually(async () => (await messages()).length === total, 90_000);
      if (tickets === 1) expect(await messages()).toEqual(expected);
      expect(invocationRecords().filter((r) => r.over.length > 0)).toEqual([]);
    }
  });
});
