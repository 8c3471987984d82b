import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { manualClock } from "../clock.js";
import { silentLogger } from "../logger.js";
import type { StreamFrame } from "./frames.js";
import { createLocalHub } from "./hub.js";
import { createRealtime } from "./service.js";
import { openStream } from "./session.js";

async function setup() {
  const { store, client } = await openLibsqlStore("file::memory:");
  const hub = createLocalHub();
  const realtime = createRealtime({ store, hub, clock: manualClock(), logger: silentLogger });
  return { store, client, hub, realtime };
}

type Setup = Awaited<ReturnType<typeof setup>>;
type Sent = StreamFrame | { type: "ready"; after: number };

/** A live connection of `subscriberId` (backlog read, `ready` sent): everything it is sent after that. */
async function connect({ store, hub, realtime }: Setup, subscriberId: string): Promise<Sent[]> {
  const sent: Sent[] = [];
  let ready = false;
  openStream({ store, hub, realtime }, subscriberId, 0, {
    send(frame) {
      if (ready) sent.push(frame);
      if (frame.type === "ready") ready = true;
      return true;
    },
    close() {},
  });
  await expect.poll(() => ready).toBe(true);
  await new Promise((r) => setTimeout(r, 10)); // the unread count that follows `ready`
  sent.length = 0;
  return sent;
}

const message = (clientMessageId: string, senderId: string | null = null) => ({ senderId, senderName: senderId, body: `body of ${clientMessageId}`, clientMessageId });

describe("a room message", () => {
  it("reaches each connected member with the seq it got in that member's stream, then their new unread count", async () => {
    const s = await setup();
    for (const id of ["ann", "bob", "cat", "dan"]) await s.store.subscribers.subscribe("ticket:7", id, 1);
    // Ann already has two items, one of them read; Cat is not connected; Dan sends.
    await s.realtime.appendAndPublish(["n1", "n2"].map((id) => ({ subscriberId: "ann", id, type: "notification" as const, title: id, createdAt: 1 })));
    await s.realtime.mark("ann", "n1", "read");
    const ann = await connect(s, "ann");
    const bob = await connect(s, "bob");
    const dan = await connect(s, "dan");

    const { id } = await s.realtime.post("ticket:7", message("m1", "dan"));

    const frames = (sent: Sent[]) => sent.map((f) => (f.type === "item" ? `item ${f.item.id === id ? "m1" : f.item.id} seq ${f.item.seq}` : f.type === "unread" ? `unread ${f.count}` : f.type));
    expect(frames(ann)).toEqual(["item m1 seq 3", "unread 2"]);
    expect(frames(bob)).toEqual(["item m1 seq 1", "unread 1"]);
    // One's own message is not unread.
    expect(frames(dan)).toEqual(["item m1 seq 1", "unread 0"]);
    const [annItem] = ann as Extract<StreamFrame, { type: "item" }>[];
    expect(annItem!.item).toMatchObject({ type: "message", topic: "ticket:7", body: "body of m1", clientMessageId: "m1", sender: { id: "dan", name: "dan" } });
    // Stored for the member who was not connected, to be read on resume.
    expect((await s.store.inbox.page("cat", 0, 10)).map((r) => [r.id, r.seq, r.body])).toEqual([[id, 1, "body of m1"]]);
    expect(await s.store.inbox.unreadCount("cat")).toBe(1);
  });

  it("posted twice at once with the same client message id is stored and pushed once", async () => {
    const s = await setup();
    for (const id of ["ann", "bob"]) await s.store.subscribers.subscribe("ticket:7", id, 1);
    const ann = await connect(s, "ann");

    const answers = await Promise.all([s.realtime.post("ticket:7", message("m1")), s.realtime.post("ticket:7", message("m1"))]);

    // One of them created it; the other answers as a repeat does, with the first one's time.
    expect(answers.map((a) => a.created).sort()).toEqual([false, true]);
    expect(answers[0]!.createdAt).toBe(answers[1]!.createdAt);
    expect(ann.map((f) => (f.type === "item" ? f.item.seq : f.type))).toEqual([1, "unread"]);
    expect((await s.store.inbox.page("bob", 0, 10)).map((r) => r.seq)).toEqual([1]);
  });

  it("reaches every member of a room larger than one row of the store's answer (5,000 members)", async () => {
    const s = await setup();
    const members = Array.from({ length: 6_001 }, (_, i) => `member-${i}`);
    await s.client.execute({ sql: "INSERT INTO topic_subscribers (topic, subscriber_id, created_at) SELECT 'big', value, 1 FROM json_each(?)", args: [JSON.stringify(members)] });
    const got = new Map<string, StreamFrame[]>();
    for (const member of members) s.hub.subscribe(member, (frame) => got.set(member, [...(got.get(member) ?? []), frame]));

    await s.realtime.post("big", message("hello"));

    expect(got.size).toBe(members.length);
    for (const member of members) expect(got.get(member)!.map((f) => (f.type === "item" ? f.item.seq : f.type === "unread" ? -f.count : f.type))).toEqual([1, -1]);
  });
});

describe("an in-app delivery confirmed by a connection", () => {
  /** A notification with two in-app steps, both pending: the outbox is about to run the first, the second is delayed. */
  async function twoSteps(s: Setup) {
    await s.client.batch([
      "INSERT INTO events (id, type, body, received_at, planned_at) VALUES ('e1', 't', '{}', 0, 0)",
      "INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) VALUES ('n1', 'e1', 'r', 'ann', 0)",
      "INSERT INTO deliveries (id, notification_id, step, channel, template, status, attempts, created_at, updated_at) VALUES ('d0', 'n1', 0, 'realtime', 'x', 'pending', 0, 0, 0), ('d1', 'n1', 1, 'realtime', 'x', 'pending', 0, 0, 0)",
    ]);
  }
  const statuses = async (s: Setup) => (await s.client.execute("SELECT id, status FROM deliveries ORDER BY step")).rows.map((r) => [r.id, r.status]);
  const reached = async (s: Setup) => (await s.client.execute("SELECT delivered_at FROM inbox WHERE id = 'n1'")).rows[0]?.delivered_at != null;

  it("is delivered even when the connection confirmed the item before the outbox recorded the send, and a later step of the same notification is not", async () => {
    const s = await setup();
    await twoSteps(s);
    await connect(s, "ann");
    // The outbox's run of step 0: the channel appends the item (a live frame, confirmed 20 ms later)...
    await s.realtime.appendAndPublish([{ subscriberId: "ann", id: "n1", type: "notification", title: "t", createdAt: 1 }]);
    await expect.poll(() => reached(s)).toBe(true);
    expect(await statuses(s)).toEqual([
      ["d0", "pending"],
      ["d1", "pending"],
    ]);
    // ...and only then its job records the send.
    await s.store.write([s.store.deliveries.outcomeStatement("d0", { status: "sent", countAttempt: true }, 2)]);
    expect(await statuses(s)).toEqual([
      ["d0", "delivered"],
      ["d1", "pending"],
    ]);
  });

  it("marks the sends it confirms delivered, never a step still waiting for its time", async () => {
    const s = await setup();
    await twoSteps(s);
    // Step 0 sent while Ann was away; she connects and the backlog reaches her.
    await s.realtime.appendAndPublish([{ subscriberId: "ann", id: "n1", type: "notification", title: "t", createdAt: 1 }]);
    await s.store.write([s.store.deliveries.outcomeStatement("d0", { status: "sent", countAttempt: true }, 2)]);
    await connect(s, "ann");
    await expect.poll(() => reached(s)).toBe(true);
    await expect.poll(() => statuses(s)).toEqual([
      ["d0", "delivered"],
      ["d1", "pending"],
    ]);
  });
});
