import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
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

  it("sends a member both a notification and a room post that race, in seq order, though they publish out of order", async () => {
    // The post and the notification commit one after the other; each publishes when its own write
    // answers, so the later seq can reach the connection first (found in review of 9864e0a).
    const lost: string[] = [];
    for (let k = 0; k < 12; k++) {
      const { store, hub, realtime } = await setup();
      for (const id of ["ann", "dan"]) await store.subscribers.subscribe("ticket:7", id, 1);
      const r = recorder();
      openStream({ store, hub, realtime }, "ann", 0, r.out);
      await settle();
      const post = realtime.post("ticket:7", { senderId: "dan", senderName: "Dan", body: "hi", clientMessageId: `m${k}` });
      for (let i = 0; i < k; i++) await Promise.resolve();
      const note = realtime.appendAndPublish([{ subscriberId: "ann", id: `n${k}`, type: "notification", title: "t", createdAt: 1 }]);
      await Promise.all([post, note]);
      await settle();
      const stored = (await store.inbox.page("ann", 0, 10)).map((row) => row.seq);
      if (JSON.stringify(r.seqs()) !== JSON.stringify(stored)) lost.push(`after ${k} microtasks: live ${JSON.stringify(r.seqs())}, stored ${JSON.stringify(stored)}`);
    }
    expect(lost).toEqual([]);
  });

  it("is ended by a shutdown, and one opened after it is closed at once", async () => {
    const { store, hub, realtime, append } = await setup();
    const open = [recorder(), recorder()];
    for (const r of open) openStream({ store, hub, realtime }, "s", 0, r.out);
    await append("a");
    await settle();
    expect(await realtime.closeConnections("server shutting down")).toBe(2);
    for (const r of open) expect(r.closed()).toBe("server shutting down");
    expect(hub.connections("s")).toBe(0);
    const late = recorder();
    openStream({ store, hub, realtime }, "s", 0, late.out);
    expect(late.closed()).toBe("server shutting down");
    expect(hub.connections("s")).toBe(0);
  });
});
