/**
 * A step's `digest` (issue 17): Herald in process on a manual clock, its outbox drained by hand, the
 * real SMTP peer. Room messages reach the in-app inbox live and the email step collects them:
 * - 5 messages within the 10-minute window: one email, `digest.count` 5, the five bodies, newest last;
 * - the engine abandoned mid-window (what a crash leaves in the database) and a new one started over
 *   the same file: nothing lost, one digest;
 * - `until: "seen"`: read messages leave the digest; all read, nothing is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { socketChannels } from "../../src/channels/socket-channels.js";
import { checkedLookup } from "../../src/runtimes/shared/guarded-lookup.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { startSmtpPeer, type SmtpPeer } from "../../src/channels/email/smtp.peer.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
let smtp: SmtpPeer;
let herald: Herald;
const databaseUrl = tempDatabaseUrl();
const closers: (() => void)[] = [];
const call = inProcessApi(() => herald);
const mailTo = (address: string) => smtp.received.filter((m) => m.envelope.to.includes(address));
const emailDelivery = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries).find((d) => d.channel === "email");

async function start(): Promise<Herald> {
  const { store, client } = await openLibsqlStore(databaseUrl);
  closers.push(() => client.close());
  return createHerald({ store, clock, logger: silentLogger, channels: socketChannels({ guardedLookup: checkedLookup }), env: { ...TEST_SECRETS, HERALD_ALLOW_PRIVATE_NETWORK: "1", EMAIL_FROM: "Desk <desk@shop.example>", SMTP_URL: smtp.url } });
}

async function post(id: string, type: string, to: string, data: Record<string, unknown>) {
  expect((await call("POST", "/v1/events", { id, type, to, data })).status).toBe(202);
  await herald.outbox.drain();
  clock.advance(1000);
}

beforeAll(async () => {
  smtp = await startSmtpPeer();
  herald = await start();
  const mjml = `<mjml><mj-body><mj-section><mj-column>
    <mj-text>{{digest.count}} new in room {{data.room}}; first: {{digest.first.text}}; last: {{digest.last.text}}</mj-text>
    {{#each digest.events}}<mj-text>[{{this.text}}]</mj-text>{{/each}}
  </mj-column></mj-section></mj-body></mjml>`;
  expect((await call("PUT", "/v1/templates/room", { channels: { realtime: { title: "Room {{data.room}}", body: "{{data.text}}" }, email: { subject: "{{digest.count}} new messages in room {{data.room}}", mjml } } })).status).toBe(200);
  const live = { channel: "realtime", template: "room" };
  const rule = (until?: "seen") => ({ event: until ? "ticket.reply" : "room.message", steps: [live, { channel: "email", template: "room", digest: { window: "10m", key: "{{data.room}}", max: 10, ...(until ? { until } : {}) } }] });
  expect((await call("PUT", "/v1/rules/room", rule())).status).toBe(200);
  expect((await call("PUT", "/v1/rules/ticket", rule("seen"))).status).toBe(200);
  for (const id of ["ann", "bob", "cat"]) await call("PUT", `/v1/subscribers/${id}`, { name: id, email: `${id}@example.com` });
});
afterAll(async () => {
  await herald?.outbox.stop();
  for (const close of closers) close();
  await smtp?.close();
});

describe("digest", () => {
  it("5 room messages within the window: one email with count 5 and the five bodies, newest last", async () => {
    for (let i = 1; i <= 5; i++) await post(`room-${i}`, "room.message", "ann", { room: "77", text: `message ${i}` });
    // Another room is another digest; the in-app inbox got every message live.
    await post("room-other", "room.message", "ann", { room: "78", text: "elsewhere" });
    const token = (await call("POST", "/v1/subscribers/ann/tokens", {})).body.token;
    expect((await call("GET", "/v1/me/notifications", undefined, token)).body.items).toHaveLength(6);
    expect(mailTo("ann@example.com")).toHaveLength(0);

    clock.advance(10 * 60_000);
    await herald.outbox.drain();
    await herald.outbox.drain();
    const mails = mailTo("ann@example.com");
    expect(mails.map((m) => m.mail.subject).sort()).toEqual(["1 new messages in room 78", "5 new messages in room 77"]);
    const text = mails.find((m) => m.mail.subject!.includes("77"))!.mail.text!;
    expect(text).toContain("5 new in room 77; first: message 1; last: message 5");
    expect(text.match(/\[message \d\]/g)).toEqual(["[message 1]", "[message 2]", "[message 3]", "[message 4]", "[message 5]"]);
    expect((await emailDelivery("room-1")).status).toBe("sent");
    for (let i = 2; i <= 5; i++) expect(await emailDelivery(`room-${i}`)).toMatchObject({ status: "cancelled", lastError: expect.stringMatching(/^digested: in dgs_/) });

    // The window is closed: the next message opens a new digest, sent 10 minutes later.
    await post("room-6", "room.message", "ann", { room: "77", text: "message 6" });
    clock.advance(10 * 60_000);
    await herald.outbox.drain();
    expect(mailTo("ann@example.com").map((m) => m.mail.subject)).toContain("1 new messages in room 77");
    expect(mailTo("ann@example.com")).toHaveLength(3);
  });

  it("loses nothing and sends one digest when the engine dies mid-window", async () => {
    await post("crash-1", "room.message", "bob", { room: "9", text: "before 1" });
    await post("crash-2", "room.message", "bob", { room: "9", text: "before 2" });
    // The first engine is simply dropped, leases and all (a kill -9 leaves the same database); a new one opens the file.
    herald = await start();
    // crash-2's job runs again as if its outcome had never been committed: it stays in the one digest it joined.
    const again = (await emailDelivery("crash-2")).id as string;
    await herald.store.write([
      herald.store.deliveries.outcomeStatement(again, { status: "pending", countAttempt: false }, clock.now()),
      herald.store.outbox.insertStatement({ id: `deliver:${again}`, kind: "deliver", ref: again, runAt: clock.now(), createdAt: clock.now() }),
    ]);
    await herald.outbox.drain();
    await post("crash-3", "room.message", "bob", { room: "9", text: "after 3" });
    await post("crash-4", "room.message", "bob", { room: "9", text: "after 4" });
    await post("crash-5", "room.message", "bob", { room: "9", text: "after 5" });
    clock.advance(11 * 60_000);
    await herald.outbox.drain();
    await herald.outbox.drain();
    const mails = mailTo("bob@example.com");
    expect(mails).toHaveLength(1);
    expect(mails[0]!.mail.subject).toBe("5 new messages in room 9");
    expect(mails[0]!.mail.text!.match(/\[(before|after) \d\]/g)).toEqual(["[before 1]", "[before 2]", "[after 3]", "[after 4]", "[after 5]"]);

    // A member's job run again after its digest went out changes nothing, and leaves no digest behind
    // that would swallow the next message.
    const late = (await emailDelivery("crash-3")).id as string;
    await herald.store.write([
      herald.store.deliveries.outcomeStatement(late, { status: "pending", countAttempt: false }, clock.now()),
      herald.store.outbox.insertStatement({ id: `deliver:${late}`, kind: "deliver", ref: late, runAt: clock.now(), createdAt: clock.now() }),
    ]);
    await herald.outbox.drain();
    await post("crash-6", "room.message", "bob", { room: "9", text: "after 6" });
    clock.advance(11 * 60_000);
    await herald.outbox.drain();
    expect(mailTo("bob@example.com").map((m) => m.mail.subject)).toEqual(["5 new messages in room 9", "1 new messages in room 9"]);
  });

  it("20 messages at once join one digest", async () => {
    await call("PUT", "/v1/subscribers/dan", { name: "dan", email: "dan@example.com" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => call("POST", "/v1/events", { id: `burst-${i}`, type: "room.message", to: "dan", data: { room: "5", text: `burst ${i}` } })));
    await herald.outbox.drain();
    clock.advance(10 * 60_000);
    await herald.outbox.drain();
    const mails = mailTo("dan@example.com");
    expect(mails.map((m) => m.mail.subject)).toEqual(["20 new messages in room 5"]);
    // `max: 10`: the template sees the newest ten.
    expect(mails[0]!.mail.text!.match(/\[burst \d+\]/g)).toHaveLength(10);
  });

  it('until "seen": read messages leave the digest; everything read, nothing is sent', async () => {
    const token = (await call("POST", "/v1/subscribers/cat/tokens", {})).body.token;
    await post("t-1", "ticket.reply", "cat", { room: "t1", text: "reply 1" });
    await post("t-2", "ticket.reply", "cat", { room: "t1", text: "reply 2" });
    expect((await call("POST", "/v1/me/notifications/read-all", {}, token)).status).toBe(200);
    clock.advance(10 * 60_000);
    await herald.outbox.drain();
    expect(mailTo("cat@example.com")).toHaveLength(0);
    expect(await emailDelivery("t-1")).toMatchObject({ status: "cancelled", lastError: expect.stringMatching(/^seen: /) });

    await post("t-3", "ticket.reply", "cat", { room: "t1", text: "reply 3" });
    await post("t-4", "ticket.reply", "cat", { room: "t1", text: "reply 4" });
    const items = (await call("GET", "/v1/me/notifications?after=0&limit=50", undefined, token)).body.items as any[];
    const third = items.find((i) => i.body === "reply 3");
    expect((await call("POST", `/v1/me/notifications/${third.id}/read`, {}, token)).status).toBe(200);
    clock.advance(10 * 60_000);
    await herald.outbox.drain();
    const mails = mailTo("cat@example.com");
    expect(mails.map((m) => m.mail.subject)).toEqual(["1 new messages in room t1"]);
    expect(mails[0]!.mail.text).toContain("[reply 4]");
    expect(mails[0]!.mail.text).not.toContain("[reply 3]");
  });

  it("the dry run and the template preview show a digest", async () => {
    const dry = await call("POST", "/v1/admin/rules/dry-run", { event: { type: "room.message", to: "ann", data: { room: "77", text: "hello" } } });
    expect(dry.status).toBe(200);
    const room = dry.body.rules.find((r: any) => r.id === "room");
    expect(room.steps[1]).toMatchObject({ channel: "email", digest: { window: "10m", key: "77", max: 10 } });
    expect(room.messages.find((m: any) => m.channel === "email").content.subject).toBe("1 new messages in room 77");
    const preview = await call("POST", "/v1/templates/room/preview", { data: { room: "77" }, channels: ["email"], digest: { events: [{ text: "a" }, { text: "b" }, { text: "c" }] } });
    expect(preview.status).toBe(200);
    expect(preview.body.channels.email.subject).toBe("3 new messages in room 77");
    expect(preview.body.channels.email.html).toContain("first: a; last: c");
  });
});
