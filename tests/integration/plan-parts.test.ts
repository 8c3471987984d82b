/**
 * Planning in bounded parts (core/plan-parts.ts, what Workers run): a broadcast's audience, a
 * topic event's members and a long `to` list are planned `partSize` recipients at a time by
 * plan-part jobs, every recipient exactly once, and the event counts as planned only when its last
 * part is committed. Here on Node with parts of 3 and scans of 2 parts, so 23 members take a scan
 * chain and many parts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import type { Logger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
const logs: { msg: string; [key: string]: unknown }[] = [];
const logger: Logger = { log: (_level, msg, fields = {}) => void logs.push({ msg, ...fields }) };
let herald: Herald;
let closeDb: () => void;
const call = inProcessApi(() => herald);

const MEMBERS = 23;
const members = Array.from({ length: MEMBERS }, (_, i) => `pp-${String(i).padStart(2, "0")}`);

async function inboxCount(subscriberId: string): Promise<number> {
  const token = (await call("POST", `/v1/subscribers/${subscriberId}/tokens`, {})).body.token;
  return (await call("GET", "/v1/me/notifications?after=0&limit=100", undefined, token)).body.items.length;
}

beforeAll(async () => {
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({ store, clock, logger, channels: builtInChannels, env: { ...TEST_SECRETS }, planParts: { partSize: 3, scanParts: 2 } });
  await call("PUT", "/v1/templates/pp", { channels: { realtime: { title: "Hello {{subscriber.name}}", body: "b" } } });
  for (const id of members) {
    await call("PUT", `/v1/subscribers/${id}`, { name: id });
    await call("PUT", `/v1/topics/pp-room/subscribers/${id}`);
  }
});
afterAll(() => closeDb?.());

describe("planning in parts", () => {
  it("plans a broadcast to 23 members in parts of 3, each member once, planned only after the last part", async () => {
    const posted = await call("POST", "/v1/broadcasts", { template: "pp", audience: { topic: "pp-room" } });
    expect(posted.status).toBe(202);
    // The broadcast's plan job alone: 23 members are more than a part, so it leaves them to a scan part.
    const root = await herald.store.outbox.claim(herald.instanceId, clock.now(), 60_000, 10);
    expect(root.map((j) => j.kind)).toEqual(["plan"]);
    await herald.outbox.run(root);
    expect((await call("GET", `/v1/broadcasts/${posted.body.id}`)).body.status).toBe("planning");
    const left = await herald.store.outbox.claim("someone-else", clock.now(), 1, 10);
    expect(left.map((j) => j.kind)).toEqual(["plan-part"]);
    clock.advance(10);

    await herald.outbox.drain();
    const progress = (await call("GET", `/v1/broadcasts/${posted.body.id}`)).body;
    expect(progress).toMatchObject({ status: "done", total: MEMBERS, sent: MEMBERS, failed: 0, pending: 0 });
    const event = (await call("GET", `/v1/events/${posted.body.id}`)).body;
    expect(event.status).toBe("planned");
    expect(new Set(event.notifications.map((n: any) => n.subscriberId))).toEqual(new Set(members));
    for (const id of members) expect(await inboxCount(id)).toBe(1);
    // Scans of 6 and ranges of 3: no part planned more than 3.
    const parts = logs.filter((l) => l.msg === "plan parts planned");
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(Number(p.notifications)).toBeLessThanOrEqual(3 * Number(p.parts));
  });

  it("marks a broadcast planned when its last parts finish in two runs that share one commit", async () => {
    // The Node loop claims new parts while a run is still going, and finished runs' acks share a
    // group commit: each run's "planned?" check must not count the other's parts, removed in that commit.
    const posted = await call("POST", "/v1/broadcasts", { template: "pp", audience: { topic: "pp-room" } });
    let last: Awaited<ReturnType<typeof herald.store.outbox.claim>> = [];
    for (let round = 0; round < 50; round++) {
      const jobs = await herald.store.outbox.claim(herald.instanceId, clock.now(), 60_000, 100);
      // The last scan has run when only range parts are left.
      if (jobs.length > 1 && jobs.every((j) => j.kind === "plan-part" && j.ref.includes('"k":"R"'))) {
        last = jobs;
        break;
      }
      await herald.outbox.run(jobs);
    }
    expect(last.length).toBeGreaterThan(1);
    await Promise.all([herald.outbox.run(last.slice(0, 1)), herald.outbox.run(last.slice(1))]);
    expect(await herald.store.outbox.claim(herald.instanceId, clock.now(), 60_000, 100)).toEqual([]);
    const event = (await call("GET", `/v1/events/${posted.body.id}`)).body;
    expect(event.status).toBe("planned");
    expect(new Set(event.notifications.map((n: any) => n.subscriberId))).toEqual(new Set(members));
  });

  it("plans a topic event of exactly one part's worth in its own job, without parts", async () => {
    await call("PUT", "/v1/rules/pp-small", { event: "pp.small", to: { topic: "pp-trio" }, steps: [{ channel: "realtime", template: "pp" }] });
    for (const id of members.slice(0, 3)) await call("PUT", `/v1/topics/pp-trio/subscribers/${id}`);
    const before = logs.filter((l) => l.msg === "plan parts planned").length;
    expect((await call("POST", "/v1/events", { id: "pp-small-1", type: "pp.small" })).status).toBe(202);
    await herald.outbox.drain();
    expect(logs.filter((l) => l.msg === "plan parts planned").length).toBe(before);
    const small = (await call("GET", "/v1/events/pp-small-1")).body;
    expect(small.status).toBe("planned");
    expect(small.notifications).toHaveLength(3);
  });

  it("plans a broadcast to subscribers with a field value in list parts, and to everyone in range parts", async () => {
    for (const id of members.slice(0, 10)) await call("PUT", `/v1/subscribers/${id}`, { data: { group: "ten" } });
    const before = logs.filter((l) => l.msg === "plan parts planned").length;
    const field = await call("POST", "/v1/broadcasts", { template: "pp", audience: { field: "data.group", value: "ten" } });
    await herald.outbox.drain();
    // 10 listed subscribers: list parts of 3, 3, 3 and 1.
    expect(logs.filter((l) => l.msg === "plan parts planned").length - before).toBeGreaterThanOrEqual(1);
    const listed = (await call("GET", `/v1/events/${field.body.id}`)).body;
    expect(listed.status).toBe("planned");
    expect(listed.notifications.map((n: any) => n.subscriberId).sort()).toEqual(members.slice(0, 10));
    const everyone = await call("POST", "/v1/broadcasts", { template: "pp", audience: { all: true } });
    await herald.outbox.drain();
    const all = (await call("GET", `/v1/events/${everyone.body.id}`)).body;
    expect(all.status).toBe("planned");
    expect(all.notifications.map((n: any) => n.subscriberId).sort()).toEqual(members);
  });
});
