import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

let herald: HeraldProcess;
let peer: MattermostPeer;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  peer = await startMattermostPeer();
  herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl } });
  call = api(herald.url);
  await call("PUT", "/v1/templates/promo", {
    channels: { realtime: { title: "Sale", body: "{{data.discount}}% off, {{subscriber.name}}" }, mattermost: { text: "promo {{subscriber.id}}" } },
  });
  for (let i = 0; i < 200; i++) {
    await call("PUT", `/v1/subscribers/member-${i}`, { name: `M${i}` });
    await call("PUT", `/v1/topics/newsletter/subscribers/member-${i}`);
  }
  await call("PUT", "/v1/subscribers/outsider", { name: "Out" });
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});

describe("broadcasts", () => {
  it("sends to every member of a topic on the chosen channel and reports progress to the end", async () => {
    const res = await call("POST", "/v1/broadcasts", { template: "promo", audience: { topic: "newsletter" }, data: { discount: 20 }, channels: ["realtime"] });
    expect(res.status).toBe(202);
    const id = res.body.id;
    const seen: string[] = [];
    const done = await eventually(async () => {
      const p = (await call("GET", `/v1/broadcasts/${id}`)).body;
      seen.push(p.status);
      return p.status === "done" ? p : undefined;
    }, 30_000);
    expect(done).toMatchObject({ id, total: 200, sent: 200, failed: 0, pending: 0 });
    const member = await call("POST", "/v1/subscribers/member-7/tokens", {});
    const inbox = await api(herald.url, member.body.token)("GET", "/v1/me/notifications");
    expect(inbox.body.items.map((i: any) => i.body)).toContain("20% off, M7");
    const outsider = await call("POST", "/v1/subscribers/outsider/tokens", {});
    expect((await api(herald.url, outsider.body.token)("GET", "/v1/me/notifications")).body.items).toEqual([]);
  });

  it("sends to everyone on every channel of the template when none are chosen", async () => {
    const res = await call("POST", "/v1/broadcasts", { template: "promo", audience: { all: true }, data: { discount: 5 } });
    const done = await eventually(async () => {
      const p = (await call("GET", `/v1/broadcasts/${res.body.id}`)).body;
      return p.status === "done" ? p : undefined;
    }, 30_000);
    // 201 subscribers × 2 channels.
    expect(done).toMatchObject({ total: 402, sent: 402, failed: 0 });
    expect(peer.received.filter((p) => p.text.startsWith("promo ")).length).toBe(201);
  });

  it("refuses an unknown template or a channel the template lacks, naming the field", async () => {
    const missing = await call("POST", "/v1/broadcasts", { template: "nope", audience: { all: true } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe("template");
    const channel = await call("POST", "/v1/broadcasts", { template: "promo", audience: { all: true }, channels: ["realtime", "push"] });
    expect(channel.status).toBe(400);
    expect(channel.body.errors.map((e: any) => e.path)).toEqual(["channels.1"]);
    expect((await call("GET", "/v1/broadcasts/evt_nope")).status).toBe(404);
  });

  it("keeps the broadcast event type reserved", async () => {
    const res = await call("POST", "/v1/events", { type: "herald.broadcast", data: { broadcast: { template: "promo", channels: ["mattermost"] } } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe("type");
  });
});
