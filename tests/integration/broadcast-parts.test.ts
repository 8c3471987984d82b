/**
 * Herald in one process (Node, Deno) plans a large audience in parts too (ONE_PROCESS_PLAN_PARTS):
 * plan-part jobs of at most 500 recipients each, each part committed on its own. Planned whole, a
 * broadcast to 50,000 was one job of 150,000 rows that took 242 s; in parts, ~10-20 s
 * (bench/broadcast; broadcast-event-loop.test.ts checks the event loop stays free meanwhile).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { systemClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import type { Logger } from "../../src/core/logger.js";
import { ONE_PROCESS_PLAN_PARTS } from "../../src/core/plan-parts.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const N = 2500;
const logs: { msg: string; [key: string]: unknown }[] = [];
const logger: Logger = { log: (_level, msg, fields = {}) => void logs.push({ msg, ...fields }) };
let herald: Herald;
let closeDb: () => void;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  const now = Date.now();
  const ids = JSON.stringify(Array.from({ length: N }, (_, i) => `bp-${String(i).padStart(5, "0")}`));
  await client.execute({ sql: "INSERT INTO subscribers (id, name, created_at, updated_at) SELECT value, value, ?, ? FROM json_each(?)", args: [now, now, ids] });
  // No planParts option: what Node and Deno run.
  herald = await createHerald({ store, clock: systemClock, logger, channels: builtInChannels, env: { ...TEST_SECRETS } });
  await call("PUT", "/v1/templates/bp", { channels: { realtime: { title: "Sale", body: "Today only" } } });
});
afterAll(() => closeDb?.());

describe("a broadcast in one process", () => {
  it(`plans ${N} recipients in parts of at most ${ONE_PROCESS_PLAN_PARTS.partSize}, each once`, async () => {
    const posted = await call("POST", "/v1/broadcasts", { template: "bp", audience: { all: true }, channels: ["realtime"] });
    expect(posted.status).toBe(202);
    await herald.outbox.drain();
    expect((await call("GET", `/v1/broadcasts/${posted.body.id}`)).body).toMatchObject({ status: "done", total: N, sent: N, failed: 0, pending: 0 });
    // The broadcast's own plan job plans nobody itself; plan-part jobs plan partSize each at most.
    expect(logs.filter((l) => l.msg === "event planned" && l.event === posted.body.id).map((l) => l.notifications)).toEqual([0]);
    const parts = logs.filter((l) => l.msg === "plan parts planned");
    expect(parts.reduce((sum, l) => sum + Number(l.notifications), 0)).toBe(N);
    for (const p of parts) expect(Number(p.notifications)).toBeLessThanOrEqual(Number(p.parts) * ONE_PROCESS_PLAN_PARTS.partSize);
  });
});
