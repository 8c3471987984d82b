/**
 * Step conditions, throttles and digests on a real server (issue 17), on every runtime
 * (HERALD_TEST_RUNTIME: node, deno, workerd with D1), with the Mattermost incoming-webhook peer and
 * the real clock. The fuller proofs (SMTP digests, crashes, concurrency) run in process on a manual
 * clock: digest.test.ts, throttle.test.ts, step-conditions.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

let herald: HeraldProcess;
let peer: MattermostPeer;
let call: ReturnType<typeof api>;
const deliveries = async (id: string) => ((await call("GET", `/v1/events/${id}`)).body.notifications as any[]).flatMap((n) => n.deliveries);
const posts = (prefix: string) => peer.received.filter((p) => p.text.startsWith(prefix)).map((p) => p.text);

beforeAll(async () => {
  peer = await startMattermostPeer();
  herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl } });
  call = api(herald.url);
  await call("PUT", "/v1/templates/note", {
    channels: {
      realtime: { title: "Note", body: "{{data.text}}" },
      mattermost: { text: "{{#if digest}}digest {{data.room}}: {{digest.count}} [{{#each digest.events}}{{this.text}};{{/each}}]{{else}}note {{data.text}}{{/if}}" },
    },
  });
  await call("PUT", "/v1/subscribers/ann", { name: "Ann", data: { vip: true } });
  const live = { channel: "realtime", template: "note" };
  const rules = {
    digest: { event: "room.message", steps: [live, { channel: "mattermost", template: "note", digest: { window: "2s", key: "{{data.room}}" } }] },
    capped: { event: "chat.ping", throttle: { limit: 2, window: "1h", channel: "mattermost" }, steps: [{ channel: "mattermost", template: "note" }] },
    cond: { event: "order.note", steps: [live, { channel: "mattermost", template: "note", delay: "1s", if: { and: [{ "subscriber.data.vip": true }, { "steps.0.status": { in: ["sent", "delivered"] } }, { "data.text": { ne: "skip" } }] } }] },
  };
  for (const [id, rule] of Object.entries(rules)) expect((await call("PUT", `/v1/rules/${id}`, rule)).status).toBe(200);
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});

describe("workflow steps over HTTP", () => {
  it("collects 5 room messages into one digest post", async () => {
    for (let i = 1; i <= 5; i++) expect((await call("POST", "/v1/events", { id: `room-${i}`, type: "room.message", to: "ann", data: { room: "77", text: `m${i}` } })).status).toBe(202);
    const [post] = await eventually(() => (posts("digest 77").length > 0 ? posts("digest 77") : undefined), 30_000);
    expect(post).toBe("digest 77: 5 [m1;m2;m3;m4;m5;]");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(posts("digest 77")).toHaveLength(1);
    const statuses = await Promise.all([1, 2, 3, 4, 5].map(async (i) => (await deliveries(`room-${i}`)).find((d) => d.channel === "mattermost").status));
    expect(statuses.sort()).toEqual(["cancelled", "cancelled", "cancelled", "cancelled", "sent"]);
  });

  it("throttles the third ping of the hour", async () => {
    for (let i = 1; i <= 3; i++) {
      await call("POST", "/v1/events", { id: `ping-${i}`, type: "chat.ping", to: "ann", data: { text: `ping ${i}` } });
      await eventually(async () => ((await deliveries(`ping-${i}`))[0].status !== "pending" ? true : undefined), 30_000);
    }
    expect(posts("note ping")).toEqual(["note ping 1", "note ping 2"]);
    expect((await deliveries("ping-3"))[0]).toMatchObject({ status: "cancelled", lastError: "throttled: at most 2 per 1h on mattermost" });
  });

  it("runs a step only when its condition holds when it runs", async () => {
    await call("POST", "/v1/events", { id: "note-go", type: "order.note", to: "ann", data: { text: "go" } });
    await call("POST", "/v1/events", { id: "note-skip", type: "order.note", to: "ann", data: { text: "skip" } });
    await eventually(() => (posts("note go").length > 0 ? true : undefined), 30_000);
    const skipped = await eventually(async () => {
      const d = (await deliveries("note-skip")).find((x) => x.channel === "mattermost");
      return d.status === "cancelled" ? d : undefined;
    }, 30_000);
    expect(skipped.lastError).toBe("condition not met");
    expect(posts("note skip")).toEqual([]);
  });
});
