/**
 * Erasing a subscriber over HTTP, on every runtime: their tokens die at once (every /v1/me route and
 * the stream answer 401), their live WebSocket and SSE connections are closed, the database keeps
 * nothing of theirs (every table is read back; status webhook messages about them too, whether sent,
 * waiting for a receiver or dead), and someone created later under the same id starts from nothing.
 * Room messages they wrote stay as tombstones so other members' streams keep their seqs.
 */
import { createECDH, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook, startResendPeer, type ResendPeer } from "../../src/channels/email/resend.peer.js";
import { startWebhookPeer, type WebhookPeer } from "../../src/channels/webhook/webhook.peer.js";
import { allRows, cellsContaining } from "../support/database.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";
import { openSse, openWs } from "../support/stream-clients.js";

const WEBHOOK_SECRET = `whsec_${Buffer.from("integration-erasure-webhook-secret").toString("base64")}`;
let herald: HeraldProcess;
let resend: ResendPeer;
let call: ReturnType<typeof api>;
/** Status webhook receivers: one that accepts, one that parks every message (Retry-After: 1 h), one that never accepts. */
let hooks: { up: WebhookPeer; parked: WebhookPeer; down: WebhookPeer };
const endpoints: Record<keyof typeof hooks, string> = { up: "", parked: "", down: "" };

/** Letters outside hex and rarely in base64: found in a cell only if it came from this person. */
function marker(): string {
  return Array.from(randomBytes(10), (b) => "ghjkmnpqrstvwxyz"[b % 16]).join("");
}

beforeAll(async () => {
  const [up, parked, down] = await Promise.all([startWebhookPeer(), startWebhookPeer(), startWebhookPeer()]);
  hooks = { up, parked, down };
  hooks.parked.script.push(...Array.from({ length: 500 }, () => ({ status: 503, retryAfter: "3600" })));
  hooks.down.failWith = 500;
  resend = await startResendPeer();
  herald = await startHerald({
    env: {
      EMAIL_FROM: "Shop <no-reply@shop.example>",
      EMAIL_API_URL: resend.url,
      EMAIL_API_KEY: resend.apiKey,
      EMAIL_WEBHOOK_SECRET: WEBHOOK_SECRET,
      HERALD_PUSH_HOSTS: "push.example.test",
      // Status webhooks: a refused message is dead at its second send (50 ms later); the 1 h cap
      // lets the parked receiver's Retry-After hold its messages pending past the erasure.
      HERALD_RETRY_BASE_MS: "50",
      HERALD_RETRY_MAX_ATTEMPTS: "2",
      HERALD_CONFIG_CACHE_MS: "0",
    },
  });
  call = api(herald.url);
  for (const name of ["up", "parked", "down"] as const) {
    const created = await call("POST", "/v1/webhook-endpoints", { url: `${hooks[name].url}/${name}`, events: ["notification.delivered", "notification.failed", "notification.read", "subscriber.unsubscribed"] });
    expect(created.status).toBe(201);
    hooks[name].trust(created.body.secret);
    endpoints[name] = created.body.id;
  }
  await call("PUT", "/v1/templates/erasure-note", {
    channels: {
      realtime: { title: "For {{subscriber.name}}", body: "{{data.note}}" },
      email: { subject: "Note for {{subscriber.name}}", mjml: "<mj-section><mj-column><mj-text>{{data.note}}</mj-text></mj-column></mj-section>" },
    },
  });
  await call("PUT", "/v1/rules/erasure-note", {
    event: "erasure.note",
    steps: [
      { channel: "realtime", template: "erasure-note" },
      { channel: "email", template: "erasure-note" },
      // Still waiting when the erasure comes: its job must go.
      { channel: "email", template: "erasure-note", delay: "1h" },
    ],
  });
});
afterAll(async () => {
  await herald?.stop();
  await Promise.all([resend?.close(), ...Object.values(hooks ?? {}).map((h) => h.close())]);
});

/** Status webhook messages in one state, as the admin lists them, about `subscriberId`, by endpoint name. */
async function messagesAbout(subscriberId: string, status: "pending" | "sent" | "dead"): Promise<Record<string, string[]>> {
  const items = (await call("GET", `/v1/admin/webhook-messages?status=${status}&limit=200`)).body.items as { id: string; endpointId: string; payload: { data: { subscriberId: string } } }[];
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(endpoints) as (keyof typeof endpoints)[]) out[name] = items.filter((m) => m.endpointId === endpoints[name] && m.payload.data.subscriberId === subscriberId).map((m) => m.id);
  return out;
}

async function token(id: string): Promise<string> {
  const issued = await call("POST", `/v1/subscribers/${id}/tokens`, {});
  expect(issued.status).toBe(201);
  return issued.body.token;
}

/** Every /v1/me operation of the OpenAPI document, with its path parameters filled in. */
async function meOperations(): Promise<[string, string][]> {
  const doc = (await call("GET", "/openapi.json")).body;
  const ops: [string, string][] = [];
  for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
    if (!path.startsWith("/v1/me")) continue;
    for (const method of Object.keys(item)) ops.push([method.toUpperCase(), path.replace(/\{[^}]+\}/g, "x")]);
  }
  return ops;
}

describe("erasing a subscriber", () => {
  it("ends their tokens and connections, keeps nothing of theirs, and leaves the same id empty", async () => {
    const tag = marker();
    const id = `erasee-${tag}`;
    // Event ids are the business app's, not the person's: no tag in them.
    const [onlyId, sharedId, againId] = [`only-${randomBytes(6).toString("hex")}`, `shared-${randomBytes(6).toString("hex")}`, `again-${randomBytes(6).toString("hex")}`];
    const email = `zelda-${tag}@example.com`;
    const other = `member-${marker()}`;
    const room = `room-${marker()}`;
    expect((await call("PUT", `/v1/subscribers/${id}`, { name: `Zelda ${tag}`, email, phone: "+15550001234", data: { note: `profile ${tag}` } })).status).toBe(201);
    await call("PUT", `/v1/subscribers/${other}`, { name: "Other member" });
    await call("PUT", `/v1/topics/${room}`, { allowMemberMessages: true });
    for (const member of [id, other]) expect((await call("PUT", `/v1/topics/${room}/subscribers/${member}`)).status).toBe(204);
    const oldToken = await token(id);
    const me = api(herald.url, oldToken);
    const otherMe = api(herald.url, await token(other));

    // Everything a person leaves behind: notifications rendered for them (in-app and email), an event
    // that was about them alone and one shared with someone else, a room message, preferences, a
    // push subscription, a suppressed address.
    expect((await call("POST", "/v1/events", { id: onlyId, type: "erasure.note", to: id, data: { note: `secret ${tag}` } })).status).toBe(202);
    expect((await call("POST", "/v1/events", { id: sharedId, type: "erasure.note", to: [id, other], data: { note: "for both" } })).status).toBe(202);
    await eventually(async () => (await me("GET", "/v1/me/notifications")).body.items.length === 2);
    const sent = await eventually(() => resend.emails.find((e) => e.to.includes(email) && e.subject === `Note for Zelda ${tag}`));
    // The link's path (Deno and workerd do not know the port they listen on for HERALD_PUBLIC_URL).
    const unsubscribeLink = herald.url + new URL(/<([^>]+)>/.exec(sent.headers!["List-Unsubscribe"]!)![1]!).pathname;
    expect((await me("POST", `/v1/me/topics/${room}/messages`, { clientMessageId: `cm-${tag}`, body: `hello from ${tag}` })).status).toBe(201);
    expect((await otherMe("POST", `/v1/me/topics/${room}/messages`, { clientMessageId: "reply-1", body: "a reply" })).status).toBe(201);
    const otherBefore = (await otherMe("GET", "/v1/me/notifications")).body.items;
    expect(otherBefore.map((i: any) => i.body)).toEqual(["for both", `hello from ${tag}`, "a reply"]);
    expect((await me("PATCH", "/v1/me/preferences", { channels: { sms: false } })).status).toBe(200);
    const keys = { p256dh: createECDH("prime256v1").generateKeys().toString("base64url"), auth: randomBytes(16).toString("base64url") };
    expect((await me("POST", "/v1/me/push-subscriptions", { endpoint: `https://push.example.test/send/${tag}`, keys })).status).toBe(201);
    const bounce = JSON.stringify({ type: "email.bounced", created_at: new Date().toISOString(), data: { email_id: sent.id, to: [email], bounce: { type: "Permanent", message: `550 ${email} unknown` } } });
    expect((await fetch(`${herald.url}/v1/channels/email/webhook`, { method: "POST", headers: signWebhook(WEBHOOK_SECRET, bounce), body: bounce })).status).toBe(200);

    // Status webhooks about them in every state when the erasure comes: sent to one endpoint,
    // parked (pending, with its job) at another, dead at the third.
    const before = await eventually(async () => {
      const [sent, pending, dead] = await Promise.all([messagesAbout(id, "sent"), messagesAbout(id, "pending"), messagesAbout(id, "dead")]);
      return sent.up!.length > 0 && pending.parked!.length > 0 && dead.down!.length > 0 ? { sent, pending, dead } : undefined;
    });
    expect(hooks.up.received.some((r) => (r.body as { data: { subscriberId: string } }).data.subscriberId === id)).toBe(true);
    const othersBefore = await messagesAbout(other, "sent");
    expect(othersBefore.up!.length).toBeGreaterThan(0);

    const ws = await openWs(`${herald.url.replace(/^http/, "ws")}/v1/me/ws?token=${oldToken}`);
    const sse = await openSse(`${herald.url}/v1/me/stream`, { authorization: `Bearer ${oldToken}` });
    await ws.until((frames) => frames.some((f) => f.type === "ready"));
    await sse.until((events) => events.some((e) => e.event === "ready"));

    expect((await call("DELETE", `/v1/subscribers/${id}`)).status).toBe(204);

    // Live connections end at once. The WebSocket's close frame is what the server sends (under
    // wrangler dev the proxy ends the TCP connection only seconds later, and the 'close' event waits for that).
    const deadline = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("still open 5 s after the erasure")), 5000))]);
    await Promise.all([deadline(sse.ended), eventually(() => ws.socket.readyState !== ws.socket.OPEN, 5000)]);

    // The old token is refused everywhere it was accepted, the stream included.
    for (const [method, path] of [...(await meOperations()), ["GET", "/v1/me/stream"] as [string, string]]) {
      const res = await me(method, path, method === "GET" ? undefined : {});
      expect([method, path, res.status]).toEqual([method, path, 401]);
    }
    await expect(openWs(`${herald.url.replace(/^http/, "ws")}/v1/me/ws?token=${oldToken}`)).rejects.toThrow("HTTP 401");

    // Nothing of theirs in any table: not their id, name, email, data, message, endpoint or note
    // (nor a status webhook body naming them, in any state).
    const rows = await allRows(herald);
    expect(cellsContaining(rows, [tag, email])).toEqual([]);
    // None of their status webhooks is left to send, to list or to send again; the other member's stay.
    for (const status of ["pending", "sent", "dead"] as const) expect(await messagesAbout(id, status)).toEqual({ up: [], parked: [], down: [] });
    const webhookJobs = rows.jobs!.filter((j) => j.kind === "webhook").map((j) => String(j.ref));
    for (const parkedId of before.pending.parked!) expect(webhookJobs).not.toContain(`${endpoints.parked}:${parkedId}`);
    const deadId = before.dead.down![0]!;
    expect((await call("POST", `/v1/admin/webhook-messages/${endpoints.down}/${encodeURIComponent(deadId)}/replay`)).status).toBe(404);
    expect((await messagesAbout(other, "sent")).up).toEqual(expect.arrayContaining(othersBefore.up!));
    const suppressed = rows.suppressions!.filter((r) => String(r.address).startsWith("sha256:"));
    expect(suppressed).toHaveLength(1);
    // Their delayed step's job is gone; the other member's is still there.
    const notificationOf = new Map(rows.deliveries!.map((d) => [d.id, d.notification_id]));
    const recipientOf = new Map(rows.notifications!.map((n) => [n.id, n.subscriber_id]));
    expect(rows.jobs!.filter((j) => j.kind === "deliver").map((j) => recipientOf.get(notificationOf.get(j.ref)))).toEqual([other]);

    // The other member keeps every item at its seq; the erased person's message is a tombstone.
    const otherAfter = (await otherMe("GET", "/v1/me/notifications")).body.items;
    expect(otherAfter.map((i: any) => i.seq)).toEqual(otherBefore.map((i: any) => i.seq));
    const tombstone = otherAfter[1];
    expect(tombstone).toMatchObject({ type: "message", body: "", data: { erased: true }, clientMessageId: null, sender: { name: null } });
    expect(tombstone.sender.id).toMatch(/^~erased-[0-9a-f]{16}$/);
    const history = (await otherMe("GET", `/v1/me/topics/${room}/messages`)).body.items;
    expect(history.map((m: any) => [m.body, m.sender.id === tombstone.sender.id])).toEqual([
      ["", true],
      ["a reply", false],
    ]);
    // Event histories stay true without naming them: the shared event keeps its data for the other member.
    const only = (await call("GET", `/v1/events/${onlyId}`)).body;
    expect(only.data).toBeUndefined();
    expect(only.to).toBeUndefined();
    expect(only.notifications.map((n: any) => n.subscriberId)).toEqual([tombstone.sender.id]);
    expect(only.notifications[0].deliveries.map((d: any) => [d.step, d.status, d.lastError, d.providerMessageId])).toEqual([
      // Delivered once a live connection had it (the stream opened later may or may not have by now).
      [0, expect.stringMatching(/^(sent|delivered)$/), null, null],
      [1, "failed", null, null],
      [2, "cancelled", "subscriber erased", null],
    ]);
    const shared = (await call("GET", `/v1/events/${sharedId}`)).body;
    expect(shared).toMatchObject({ to: [other], data: { note: "for both" } });

    // Someone created later under the same id sees nothing of the erased person, and an old
    // unsubscribe link changes nothing for them.
    expect((await call("PUT", `/v1/subscribers/${id}`, { name: "Someone new", email })).status).toBe(201);
    expect((await me("GET", "/v1/me/notifications")).status).toBe(401);
    expect((await fetch(unsubscribeLink, { method: "POST" })).status).toBe(200);
    const fresh = api(herald.url, await token(id));
    expect((await fresh("GET", "/v1/me/notifications")).body.items).toEqual([]);
    expect((await fresh("GET", "/v1/me/unread-count")).body.count).toBe(0);
    expect((await fresh("GET", "/v1/me/preferences")).body).toEqual({});
    expect((await fresh("GET", "/v1/me/topics")).body.items).toEqual([]);
    expect((await call("GET", `/v1/subscribers/${id}`)).body).toMatchObject({ name: "Someone new", topics: [] });
    const detail = (await call("GET", `/v1/admin/subscribers/${id}`)).body;
    expect([detail.inbox, detail.deliveries, detail.pushDevices]).toEqual([[], [], []]);
    // The suppression outlived the erasure, as a hash: the address is still not mailed.
    expect((await call("POST", "/v1/events", { id: againId, type: "erasure.note", to: id, data: { note: "new" } })).status).toBe(202);
    const again = await eventually(async () => {
      const deliveries = (await call("GET", `/v1/events/${againId}`)).body.notifications?.[0]?.deliveries ?? [];
      const mail = deliveries.find((d: any) => d.channel === "email");
      return mail && mail.status !== "pending" ? mail : undefined;
    });
    expect(again).toMatchObject({ status: "failed", lastError: expect.stringContaining("suppressed") });
    ws.close();
    sse.close();
  });
});
