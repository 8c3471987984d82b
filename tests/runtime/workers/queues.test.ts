/**
 * The jobs table on Cloudflare Queues, inside workerd: a delayed step travels as a delayed queue
 * message; one further ahead than a message may wait (3 s here, HERALD_QUEUE_MAX_DELAY_S) stays in
 * the table until a shard alarm sends it; a message delivered twice runs its job once; the cron
 * frees and re-sends a job whose message was lost; a dead-lettered batch is logged and acknowledged;
 * and each of these invocations stays within its budget.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../../src/runtimes/cloudflare/main.js";
import { shardFor } from "../../../src/runtimes/cloudflare/dispatch.js";
import { clearInvocationRecords, invocationRecords } from "../../../src/runtimes/cloudflare/meter.js";
import { heraldLog } from "./herald-log.js";
import { call, eventually } from "./support.js";

async function subscriber(id: string): Promise<string> {
  expect((await call("PUT", `/v1/subscribers/${id}`, { name: id })).status).toBeLessThan(300);
  return (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
}

async function firstItem(token: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const list = (await call("GET", "/v1/me/notifications", undefined, token)).body.items;
    return list.length > 0 ? list[0] : undefined;
  }, timeoutMs);
}

const job = (id: string) => env.DB.prepare("SELECT id, run_at, lease_owner, lease_until, attempts FROM jobs WHERE id = ?").bind(id).first<{ id: string; run_at: number; lease_owner: string | null; lease_until: number | null; attempts: number }>();
const deliveryOf = (eventId: string) =>
  env.DB.prepare("SELECT d.id, d.status, d.attempts FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.event_id = ?").bind(eventId).first<{ id: string; status: string; attempts: number }>();

function withinBudget() {
  const over = invocationRecords().filter((r) => r.over.length > 0 || r.maxBoundParameters > 100);
  expect(over).toEqual([]);
}

beforeAll(async () => {
  await call("PUT", "/v1/templates/q-test", { channels: { realtime: { title: "Item {{data.n}}", body: "b" } } });
  await call("PUT", "/v1/rules/q-soon", { event: "q.soon", steps: [{ channel: "realtime", template: "q-test", delay: "2s" }] });
  await call("PUT", "/v1/rules/q-far", { event: "q.far", steps: [{ channel: "realtime", template: "q-test", delay: "6s" }] });
  await call("PUT", "/v1/rules/q-later", { event: "q.later", steps: [{ channel: "realtime", template: "q-test", delay: "1h" }] });
});

describe("jobs on Cloudflare Queues", () => {
  it("sends a step delayed within the queues' limit as a delayed message, delivered at its time", async () => {
    clearInvocationRecords();
    const token = await subscriber("q-soon-1");
    const posted = Date.now();
    expect((await call("POST", "/v1/events", { id: "q-soon-1", type: "q.soon", to: "q-soon-1", data: { n: 1 } })).status).toBe(202);
    // Handed to the queue at once: leased to it until some minutes after it is due.
    const row = await eventually(async () => ((await job(`deliver:${(await deliveryOf("q-soon-1"))!.id}`))?.lease_owner === "queue" ? job(`deliver:${(await deliveryOf("q-soon-1"))!.id}`) : undefined));
    expect(row!.lease_until!).toBeGreaterThan(row!.run_at);
    const item = await firstItem(token);
    expect(item.title).toBe("Item 1");
    expect(Date.parse(item.createdAt) - posted).toBeGreaterThanOrEqual(1900);
    await eventually(async () => (await deliveryOf("q-soon-1"))?.status === "sent");
    expect(invocationRecords().some((r) => r.kind === "queue")).toBe(true);
    withinBudget();
  });

  it("keeps a step delayed past the queues' limit in the table and sends it when a shard alarm wakes", async () => {
    clearInvocationRecords();
    const token = await subscriber("q-far-1");
    const posted = Date.now();
    expect((await call("POST", "/v1/events", { id: "q-far-1", type: "q.far", to: "q-far-1", data: { n: 2 } })).status).toBe(202);
    const deliveryId = await eventually(async () => (await deliveryOf("q-far-1"))?.id);
    const row = (await job(`deliver:${deliveryId}`))!;
    expect(row.lease_owner).toBeNull();
    // The shard for its minute wakes when it comes within 3 s (plus a second).
    const shard = env.JOBS.get(env.JOBS.idFromName(shardFor(row.run_at)));
    const alarm = await eventually(() => runInDurableObject(shard, async (_, state) => (await state.storage.getAlarm()) ?? undefined));
    expect(alarm).toBeLessThanOrEqual(row.run_at - 3000 + 1000);
    expect(alarm).toBeGreaterThan(posted);
    const item = await firstItem(token, 30_000);
    expect(item.title).toBe("Item 2");
    expect(Date.parse(item.createdAt) - posted).toBeGreaterThanOrEqual(5900);
    expect(invocationRecords().some((r) => r.kind === "alarm")).toBe(true);
    withinBudget();
  });

  it("runs a job once when its message arrives twice, in one batch or in two", async () => {
    await subscriber("q-twice-1");
    expect((await call("POST", "/v1/events", { id: "q-twice-1", type: "q.later", to: "q-twice-1", data: { n: 3 } })).status).toBe(202);
    const deliveryId = await eventually(async () => (await deliveryOf("q-twice-1"))?.id);
    const jobId = `deliver:${deliveryId}`;
    // As if due now and its message on the way.
    await env.DB.prepare("UPDATE jobs SET run_at = ?, lease_owner = 'queue', lease_until = ? WHERE id = ?").bind(Date.now(), Date.now() + 60_000, jobId).run();
    const message = (n: number) => ({ id: `m-${n}`, timestamp: new Date(), attempts: 1, body: { j: jobId } });
    for (const messages of [[message(1), message(2)], [message(3)]]) {
      const batch = createMessageBatch("herald-jobs", messages);
      const ctx = createExecutionContext();
      await worker.queue(batch as never, env, ctx as never);
      const result = await getQueueResult(batch, ctx);
      expect(result.outcome).toBe("ok");
      expect(result.retryMessages).toEqual([]);
    }
    expect(await job(jobId)).toBeNull();
    expect(await deliveryOf("q-twice-1")).toMatchObject({ status: "sent", attempts: 1 });
    const inbox = await env.DB.prepare("SELECT count(*) AS n FROM inbox WHERE subscriber_id = ?").bind("q-twice-1").first<{ n: number }>();
    expect(inbox!.n).toBe(1);
  });

  it("frees a job whose message was lost once its lease runs out, and the cron sends it again", async () => {
    clearInvocationRecords();
    const token = await subscriber("q-lost-1");
    expect((await call("POST", "/v1/events", { id: "q-lost-1", type: "q.later", to: "q-lost-1", data: { n: 4 } })).status).toBe(202);
    const deliveryId = await eventually(async () => (await deliveryOf("q-lost-1"))?.id);
    // Handed to the queue, due now, but the message never arrived: the lease has run out.
    await env.DB.prepare("UPDATE jobs SET run_at = ?, lease_owner = 'queue', lease_until = ? WHERE id = ?").bind(Date.now() - 60_000, Date.now() - 1, `deliver:${deliveryId}`).run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }) as never, env, ctx as never);
    await waitOnExecutionContext(ctx);
    expect((await firstItem(token)).title).toBe("Item 4");
    const cron = invocationRecords().filter((r) => r.kind === "cron");
    expect(cron).toHaveLength(1);
    expect(cron[0]!.queueSends).toBeGreaterThanOrEqual(1);
    withinBudget();
  });

  it("logs and acknowledges a dead-lettered batch, leaving its jobs to the table", async () => {
    const batch = createMessageBatch("herald-dead", [{ id: "dead-1", timestamp: new Date(), attempts: 6, body: { j: "deliver:missing" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env, ctx as never);
    const result = await getQueueResult(batch, ctx);
    expect(result.outcome).toBe("ok");
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
    const logged = heraldLog().map((line) => JSON.parse(line) as { level: string; msg: string; jobs?: string[] });
    expect(logged.filter((l) => l.level === "error" && /dead-lettered/.test(l.msg))).toEqual([expect.objectContaining({ jobs: ["deliver:missing"] })]);
  });
});
