import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../runtimes/libsql.js";
import { manualClock } from "../clock.js";
import { silentLogger } from "../logger.js";
import type { StreamFrame } from "./frames.js";
import { createLocalHub } from "./hub.js";
import { createRealtime } from "./service.js";
import { openStream, type StreamOutput } from "./session.js";

async function setup() {
  const { store } = await openLibsqlStore("file::memory:");
  const hub = createLocalHub();
  const realtime = createRealtime({ store, hub, clock: manualClock(), logger: silentLogger });
  const append = (id: string) => realtime.appendAndPublish([{ subscriberId: "s", id, type: "notification", title: id, body: "", createdAt: 1 }]);
  return { store, hub, realtime, append };
}

function recorder(limit = Infinity) {
  const frames: (StreamFrame | { type: "ready"; after: number })[] = [];
  let closed: string | undefined;
  const out: StreamOutput = {
    send(frame) {
      frames.push(frame);
      return frames.length <= limit;
    },
    close(reason) {
      closed = reason;
    },
  };
  const seqs = () => frames.flatMap((f) => (f.type === "item" ? [f.item.seq] : []));
  return { out, frames, seqs, closed: () => closed };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("a live stream", () => {
  it("sends the backlog after the cursor, then live items, with no gap and no repeat when both race", async () => {
    const { store, hub, realtime, append } = await setup();
    for (const id of ["a", "b", "c"]) await append(id);
    const r = recorder();
    // Items appended while the backlog is being read arrive both ways; each must appear once.
    const stop = openStream({ store, hub, realtime }, "s", 1, r.out);
    await Promise.all([append("d"), append("e")]);
    await settle();
    await append("f");
    await settle();
    expect(r.seqs()).toEqual([2, 3, 4, 5, 6]);
    expect(r.frames.some((f) => f.type === "ready")).toBe(true);
    stop();
    await append("g");
    await settle();
    expect(r.seqs()).toEqual([2, 3, 4, 5, 6]);
    expect(hub.connections("s")).toBe(0);
  });

  it("disconnects a client too slow to keep up instead of buffering without bound", async () => {
    const { store, hub, realtime, append } = await setup();
    const r = recorder(3);
    openStream({ store, hub, realtime }, "s", 0, r.out);
    await settle();
    for (const id of ["a", "b", "c", "d", "e"]) await append(id);
    await settle();
    expect(r.closed()).toBe("client too slow");
    expect(hub.connections("s")).toBe(0);
  });

  it("records items as delivered once they reach a connection", async () => {
    const { store, hub, realtime, append } = await setup();
    openStream({ store, hub, realtime }, "s", 0, recorder().out);
    await settle();
    await append("a");
    await settle();
    expect((await store.inbox.get("s", "a"))!.deliveredAt).not.toBeNull();
  });
});
