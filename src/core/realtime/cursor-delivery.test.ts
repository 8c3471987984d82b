import { describe, expect, it } from "vitest";
import { type CursorConnection, createCursorDelivery } from "./cursor-delivery.js";
import type { InboxItem, StreamFrame } from "./frames.js";

const item = (seq: number): InboxItem => ({
  id: `n${seq}`,
  seq,
  type: "notification",
  topic: null,
  title: `t${seq}`,
  body: null,
  url: null,
  data: {},
  actions: [],
  sender: null,
  clientMessageId: null,
  createdAt: "2026-11-22T00:00:00.000Z",
  seenAt: null,
  readAt: null,
});

/** A stored stream (the store) and a connection recording what it was sent. */
function setup(stored: number[], after = 0) {
  const rows = stored.map(item);
  const delivered: number[] = [];
  let reads = 0;
  const sent: (StreamFrame | { type: "ready"; after: number })[] = [];
  let cursor = { lastSeq: after, ready: false };
  const conn: CursorConnection = {
    key: {},
    cursor: () => cursor,
    advance: (lastSeq, ready) => void (cursor = { lastSeq, ready }),
    send: (frame) => (sent.push(frame), true),
    close: () => {},
  };
  const delivery = createCursorDelivery(() => ({
    subscriberId: "s1",
    page: async (from, limit) => {
      reads++;
      await new Promise((r) => setTimeout(r, 5));
      return rows.filter((r) => r.seq > from).slice(0, limit);
    },
    unread: async () => rows.length,
    delivered: (seqs) => delivered.push(...seqs),
  }));
  const seqs = () => sent.flatMap((f) => (f.type === "item" ? [f.item.seq] : []));
  return { rows, conn, delivery, sent, seqs, delivered, reads: () => reads, cursor: () => cursor };
}

const settle = () => new Promise((r) => setTimeout(r, 40));

describe("delivery by cursor", () => {
  it("sends the backlog after the cursor, then ready and the unread count", async () => {
    const t = setup([1, 2, 3], 1);
    await t.delivery.catchUp(t.conn);
    expect(t.seqs()).toEqual([2, 3]);
    expect(t.sent.slice(-2)).toEqual([{ type: "ready", after: 3 }, { type: "unread", count: 3 }]);
    expect(t.cursor()).toEqual({ lastSeq: 3, ready: true });
    expect(t.delivered).toEqual([2, 3]);
  });

  it("sends a live item that is next in line without reading the store", async () => {
    const t = setup([1]);
    await t.delivery.catchUp(t.conn);
    const before = t.reads();
    t.rows.push(item(2));
    t.delivery.deliver(t.conn, [{ type: "item", item: item(2) }, { type: "unread", count: 2 }]);
    expect(t.seqs()).toEqual([1, 2]);
    expect(t.reads()).toBe(before);
    expect(t.sent.at(-1)).toEqual({ type: "unread", count: 2 });
  });

  it("fills a gap from the store when items arrive out of order, and never repeats one", async () => {
    const t = setup([1]);
    await t.delivery.catchUp(t.conn);
    t.rows.push(item(2), item(3));
    // 3 overtakes 2 (published by two isolates): 3 is not sent ahead; the store is read from 1.
    t.delivery.deliver(t.conn, [{ type: "item", item: item(3) }]);
    t.delivery.deliver(t.conn, [{ type: "item", item: item(2) }]);
    await settle();
    expect(t.seqs()).toEqual([1, 2, 3]);
  });

  it("loses nothing that arrives while the backlog is being read", async () => {
    const t = setup([1, 2]);
    const reading = t.delivery.catchUp(t.conn);
    t.rows.push(item(3));
    t.delivery.deliver(t.conn, [{ type: "item", item: item(3) }]);
    await reading;
    await settle();
    expect(t.seqs()).toEqual([1, 2, 3]);
    expect(t.sent.filter((f) => f.type === "ready")).toHaveLength(1);
  });

  it("moves the cursor past system messages without reporting them delivered (no one to tell)", async () => {
    const { rows, conn, delivery, seqs, delivered, cursor, reads } = setup([1]);
    const system = (seq: number): InboxItem => ({ ...item(seq), id: `m${seq}`, type: "message", topic: "room", sender: { id: null, name: null, system: true } });
    rows.push(system(2));
    await delivery.catchUp(conn);
    expect(seqs()).toEqual([1, 2]);
    expect(delivered).toEqual([1]);
    expect(cursor().lastSeq).toBe(2);
    // Live: the next system message and a notification go out in order, with no store read.
    const readsBefore = reads();
    rows.push(system(3), item(4));
    delivery.deliver(conn, [{ type: "item", item: system(3) }, { type: "item", item: item(4) }]);
    await settle();
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(delivered).toEqual([1, 4]);
    expect(cursor().lastSeq).toBe(4);
    expect(reads()).toBe(readsBefore);
  });
});
