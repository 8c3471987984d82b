import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { startThread } from "./start-thread.js";

describe("startThread", () => {
  it("runs a TypeScript module with its own imports and workerData on a worker thread", async () => {
    const worker = startThread(new URL("./echo-thread.fixture.ts", import.meta.url), { workerData: { prefix: "echo: " } });
    try {
      worker.postMessage("one");
      const [batch] = await once(worker, "message");
      expect(batch).toEqual(["echo: one"]);
    } finally {
      await worker.terminate();
    }
  });

  it("reports a module that does not exist as the thread's error", async () => {
    const worker = startThread(new URL("./no-such-thread.ts", import.meta.url));
    const [error] = await once(worker, "error");
    expect((error as Error).message).toMatch(/no-such-thread|Cannot find module/);
  });
});
