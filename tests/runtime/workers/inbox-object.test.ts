/**
 * The inbox Durable Object on workerd: a WebSocket survives the object's eviction (hibernation)
 * with its cursor, pings are answered by the runtime, and the next item arrives exactly once.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, eventually, openWs } from "./support.js";

const inbox = (subscriberId: string) => env.INBOX.get(env.INBOX.idFromName(subscriberId));

async function subscriber(id: string): Promise<string> {
  expect((await call("PUT", `/v1/subscribers/${id}`, { name: id })).status).toBeLessThan(300);
  return (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
}

async function notify(to: string, n: number) {
  expect((await call("POST", "/v1/events", { id: `ev-${to}-${n}`, type: "inbox.test", to, data: { n } })).status).toBe(202);
}

beforeAll(async () => {
  await call("PUT", "/v1/templates/inbox-test", { channels: { realtime: { title: "Item {{data.n}}", body: "b" } } });
  await call("PUT", "/v1/rules/inbox-test", { event: "inbox.test", steps: [{ channel: "realtime", template: "inbox-test" }] });
});

describe("the inbox object", () => {
  it("keeps a WebSocket and its cursor across hibernation, answers pings asleep, and sends the next item once", async () => {
    const token = await subscriber("hib-1");
    await notify("hib-1", 1);
    const socket = await openWs(`/v1/me/ws?after=0&token=${token}`);
    await eventually(() => socket.frames.some((f) => f.type === "ready") && socket.items().length === 1);

    // A marker on the instance tells a new instance from the old one.
    await runInDurableObject(inbox("hib-1"), (instance) => void (instance.marker = "before"));
    await evictDurableObject(inbox("hib-1"));
    const after = await runInDurableObject(inbox("hib-1"), (instance, state) => ({
      marker: instance.marker,
      sockets: state.getWebSockets().map((ws) => ws.deserializeAttachment()),
    }));
    expect(after).toEqual({ marker: undefined, sockets: [{ s: "hib-1", seq: 1, ready: true }] });

    socket.ws.send('{"type":"ping"}');
    await eventually(() => socket.frames.some((f) => f.type === "pong"));

    await notify("hib-1", 2);
    await eventually(() => socket.items().length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(socket.items()).toEqual([1, 2]);
    expect(socket.frames.filter((f) => f.type === "notification").map((f) => f.title)).toEqual(["Item 1", "Item 2"]);
    const cursor = await runInDurableObject(inbox("hib-1"), (_, state) => state.getWebSockets()[0]!.deserializeAttachment());
    expect(cursor).toMatchObject({ seq: 2, ready: true });
    await socket.close();
  });

  it("resumes after a disconnect with exactly what was missed, then live", async () => {
    const token = await subscriber("res-1");
    const first = await openWs(`/v1/me/ws?after=0&token=${token}`);
    await eventually(() => first.frames.some((f) => f.type === "ready"));
    for (const n of [1, 2]) await notify("res-1", n);
    await eventually(() => first.items().length === 2);
    await first.close();
    for (const n of [3, 4]) await notify("res-1", n);
    await eventually(async () => (await call("GET", "/v1/me/notifications?after=2", undefined, token)).body.items.length === 2);
    const second = await openWs(`/v1/me/ws?after=2&token=${token}`);
    await eventually(() => second.frames.some((f) => f.type === "ready"));
    expect(second.items()).toEqual([3, 4]);
    await notify("res-1", 5);
    await eventually(() => second.items().length === 3);
    expect(second.items()).toEqual([3, 4, 5]);
    await second.close();
  });

  it("refuses a stream without a valid token and a cursor that is not a number", async () => {
    const token = await subscriber("bad-1");
    expect((await call("GET", "/v1/me/stream", undefined, "nope")).status).toBe(401);
    const bad = await call("GET", "/v1/me/stream?after=x", undefined, token);
    expect(bad.status).toBe(400);
    expect(bad.body.type).toMatch(/problems/);
  });
});
