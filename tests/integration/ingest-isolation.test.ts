/**
 * The group commit of accepted events isolates its members, below the HTTP edge: an event whose data
 * the store itself refuses (SQLite's JSON parser stops at 1,000 levels) is refused alone with a 400,
 * and the events that shared its commit are stored, planned and delivered in-app exactly once.
 * Herald in process, its outbox never started, so in-app items can only come from the accepting commit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { ProblemError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

let herald: Herald;
let closeDb: () => Promise<void>;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  closeDb = db.close;
  herald = await createHerald({ store: db.store, logger: silentLogger, channels: builtInChannels, env: { ...TEST_SECRETS } });
  await call("PUT", "/v1/subscribers/iso", { name: "Iso" });
  await call("PUT", "/v1/templates/placed", { channels: { realtime: { title: "Order {{data.n}}", body: "placed" } } });
  await call("PUT", "/v1/rules/placed", { event: "order.placed", steps: [{ channel: "realtime", template: "placed" }] });
});
afterAll(async () => {
  await closeDb?.();
});

function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe("accepting events in a shared commit", () => {
  it("refuses the one event the store cannot take, with a 400, and commits and delivers the rest once", async () => {
    const accept = (id: string, data: Record<string, unknown>) => herald.acceptEvent({ id, type: "order.placed", body: { type: "order.placed", to: "iso", data }, receivedAt: Date.now() });
    const ids = Array.from({ length: 300 }, (_, n) => `gc-${n}`);
    const submissions = ids.map((id, n) => accept(id, { n }));
    submissions.splice(150, 0, accept("gc-hostile", { a: nested(1000) }));
    const outcomes = await Promise.allSettled(submissions);

    const hostile = outcomes[150]!;
    expect(hostile.status).toBe("rejected");
    const reason = (hostile as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ProblemError);
    expect(reason).toMatchObject({ status: 400, type: "data-refused" });
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(300);

    expect(await herald.store.events.get("gc-hostile")).toBeUndefined();
    expect((await herald.store.events.getMany(ids)).length).toBe(300);
    const items = await herald.store.inbox.page("iso", 0, 1000);
    expect(items.map((i) => i.title).sort()).toEqual(ids.map((_, n) => `Order ${n}`).sort());
    // Every delivery was made in the accepting commit: nothing is left for the outbox.
    expect(await herald.outbox.drain()).toBe(0);
  });
});
