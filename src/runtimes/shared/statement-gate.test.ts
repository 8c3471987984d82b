import { describe, expect, it } from "vitest";
import { openEmbeddedClient } from "./statement-cache.js";
import { gatedClient } from "./statement-gate.js";

/** A statement that keeps SQLite busy for a few milliseconds on this thread. */
const BUSY = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT count(*) AS c FROM n";

/** Runs `count` statements one after another, each awaited, and says when a timer set before them fired. */
async function chain(client: ReturnType<typeof gatedClient>["client"], count: number) {
  let timerAt: number | undefined;
  let done = 0;
  setTimeout(() => (timerAt = done), 0);
  const started = performance.now();
  for (; done < count; done++) await client.execute(BUSY);
  return { timerAt, ms: performance.now() - started };
}

describe("the statement gate's turns", () => {
  it("lets a timer in while awaited statements on the embedded driver would otherwise hold the loop", async () => {
    const { client } = gatedClient(openEmbeddedClient(":memory:"), { turnAfterMs: 10 });
    const { timerAt, ms } = await chain(client, 60);
    // The driver answers synchronously: without turns the timer fires only after all 60.
    expect(ms).toBeGreaterThan(30);
    expect(timerAt).toBeDefined();
    expect(timerAt!).toBeLessThan(60);
    client.close();
  });

  it("gives no turn without the option (a remote client's statements wait on the network anyway)", async () => {
    const { client } = gatedClient(openEmbeddedClient(":memory:"));
    const { timerAt } = await chain(client, 20);
    expect(timerAt).toBeUndefined();
    client.close();
  });
});
