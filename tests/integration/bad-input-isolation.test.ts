/**
 * One hostile request among a thousand valid ones: it is refused alone (400 problem+json), and every
 * valid event that shared its moment (and so its group commit) is accepted, stored and delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

const VALID = 1000;
let herald: HeraldProcess;
let peer: MattermostPeer;
let call: ReturnType<typeof api>;

/** `{"a":[[[…]]]}`: about 2 KB, nested past SQLite's JSON depth limit of 1,000. */
function deeplyNested(levels = 1000): Record<string, unknown> {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return { a: value };
}

beforeAll(async () => {
  peer = await startMattermostPeer();
  herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_RETRY_BASE_MS: "20" } });
  call = api(herald.url);
  expect((await call("PUT", "/v1/subscribers/buyer", { name: "Buyer" })).status).toBeLessThan(300);
  expect((await call("PUT", "/v1/templates/placed", { channels: { mattermost: { text: "order {{data.n}} placed" } } })).status).toBeLessThan(300);
  expect((await call("PUT", "/v1/rules/placed", { event: "order.placed", to: { subscriber: "buyer" }, steps: [{ channel: "mattermost", template: "placed" }] })).status).toBeLessThan(300);
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});

/** Runs `task` over `items` with at most `limit` in flight. */
async function inBatches<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(task))));
  return out;
}

describe("bad input hurts only itself", () => {
  it("refuses one deeply nested event alone while 1,000 concurrent valid events are accepted, stored and delivered", async () => {
    const ids = Array.from({ length: VALID }, (_, i) => `iso-${i}`);
    const requests = ids.map((id, n) => () => call("POST", "/v1/events", { id, type: "order.placed", data: { n } }));
    const hostile = () => call("POST", "/v1/events", { id: "iso-hostile", type: "order.placed", data: deeplyNested() });
    requests.splice(VALID / 2, 0, hostile);
    // Open the connections first, so the burst arrives at once and shares group commits.
    await Promise.all(requests.map(() => call("GET", "/healthz")));
    const answers = await Promise.all(requests.map((send) => send()));

    const valid = answers.filter((_, i) => i !== VALID / 2);
    const statuses = new Map<number, number>();
    for (const a of valid) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 202: VALID });
    const hostileAnswer = answers[VALID / 2]!;
    expect(hostileAnswer.status).toBe(400);
    expect(hostileAnswer.headers.get("content-type")).toBe("application/problem+json");
    expect(hostileAnswer.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ path: "data" })] });

    // Stored: each one readable; delivered: one Mattermost post per event.
    const stored = await inBatches(ids, 50, (id) => call("GET", `/v1/events/${id}`));
    expect(stored.filter((r) => r.status === 200)).toHaveLength(VALID);
    expect((await call("GET", "/v1/events/iso-hostile")).status).toBe(404);
    await eventually(() => peer.arrivals().size >= VALID || undefined, 60_000, 100);
    const texts = new Set(peer.received.map((p) => p.text));
    for (let n = 0; n < VALID; n++) expect(texts.has(`order ${n} placed`)).toBe(true);
  });

  it("refuses a broadcast whose data nests too deep, and still takes a valid one", async () => {
    const bad = await call("POST", "/v1/broadcasts", { content: { title: "Hi", body: "there" }, audience: { all: true }, data: deeplyNested() });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    const good = await call("POST", "/v1/broadcasts", { content: { title: "Hi", body: "there" }, audience: { all: true }, data: { a: [[1]] } });
    expect(good.status).toBe(202);
  });
});
