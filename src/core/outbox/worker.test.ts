import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { systemClock } from "../clock.js";
import { silentLogger } from "../logger.js";
import { createOutbox, type JobOutcome } from "./worker.js";

async function withJobs(ids: string[]) {
  const { store, client } = await openLibsqlStore("file::memory:");
  await store.write(ids.map((id) => store.outbox.insertStatement({ id, kind: "deliver", ref: id, runAt: 0 })));
  const leases = async () => (await client.execute("SELECT id, lease_owner FROM jobs ORDER BY id")).rows.map((r) => [r.id, r.lease_owner]);
  return { store, leases };
}

describe("stopping the outbox", () => {
  it("lets jobs in flight finish within the grace, and their outcome commits", async () => {
    const { store, leases } = await withJobs(["a", "b"]);
    const outbox = createOutbox({
      store,
      clock: systemClock,
      logger: silentLogger,
      owner: "me",
      handlers: { deliver: { each: async (): Promise<JobOutcome> => (await new Promise((r) => setTimeout(r, 100)), { done: [] }) }, plan: { each: async () => ({ done: [] }) }, "plan-part": { each: async () => ({ done: [] }) }, plugin: { each: async () => ({ done: [] }) }, webhook: { each: async () => ({ done: [] }) } },
    });
    outbox.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(await outbox.stop({ graceMs: 2000 })).toEqual({ handedBack: 0 });
    expect(await leases()).toEqual([]);
  });

  it("hands back jobs still running past the grace: their leases are freed at once", async () => {
    const { store, leases } = await withJobs(["a", "b", "c"]);
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    const outbox = createOutbox({
      store,
      clock: systemClock,
      logger: silentLogger,
      owner: "me",
      handlers: { deliver: { each: async (): Promise<JobOutcome> => (await hung, { done: [] }) }, plan: { each: async () => ({ done: [] }) }, "plan-part": { each: async () => ({ done: [] }) }, plugin: { each: async () => ({ done: [] }) }, webhook: { each: async () => ({ done: [] }) } },
    });
    outbox.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(await leases()).toEqual([["a", "me"], ["b", "me"], ["c", "me"]]);
    const started = Date.now();
    expect(await outbox.stop({ graceMs: 200 })).toEqual({ handedBack: 3 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await leases()).toEqual([["a", null], ["b", null], ["c", null]]);
    // The handler that finishes late no longer owns the job: it is not deleted under the next owner.
    release();
    await new Promise((r) => setTimeout(r, 30));
    expect((await leases()).length).toBe(3);
  });
});
