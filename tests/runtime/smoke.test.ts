/**
 * The same Hono app booted on Deno (libSQL file) and on workerd (wrangler dev, local D1): post an
 * event, read it back, and see it delivered through a rule to the Mattermost peer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, type HeraldProcess, type Runtime } from "../support/server.js";

const runtimes: Runtime[] = ["deno", "workerd"];

describe.each(runtimes)("Herald on %s", (runtime) => {
  let herald: HeraldProcess;
  let peer: MattermostPeer;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    peer = await startMattermostPeer();
    herald = await startHerald({ runtime, env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl } });
    call = api(herald.url);
  }, 120_000);
  afterAll(async () => {
    await herald?.stop();
    await peer?.close();
  });

  it("accepts an event once, reads it back, and delivers it through a rule", async () => {
    expect((await call("GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await call("PUT", "/v1/subscribers/rt-1", { name: "Runtime" })).status).toBe(201);
    expect((await call("PUT", "/v1/templates/rt", { channels: { mattermost: { text: "Hi {{subscriber.name}} from {{data.where}}" } } })).status).toBe(200);
    expect((await call("PUT", "/v1/rules/rt", { event: "runtime.smoke", steps: [{ channel: "mattermost", template: "rt" }] })).status).toBe(200);

    const first = await call("POST", "/v1/events", { id: `smoke-${runtime}`, type: "runtime.smoke", to: "rt-1", data: { where: runtime } });
    const again = await call("POST", "/v1/events", { id: `smoke-${runtime}`, type: "runtime.smoke", to: "rt-1", data: { where: runtime } });
    expect([first.status, again.status]).toEqual([202, 202]);

    const event = await eventually(async () => {
      const res = await call("GET", `/v1/events/smoke-${runtime}`);
      return res.body.notifications?.[0]?.deliveries?.[0]?.status === "sent" ? res.body : undefined;
    }, 30_000);
    expect(event).toMatchObject({ id: `smoke-${runtime}`, type: "runtime.smoke", data: { where: runtime } });
    expect(event.notifications).toHaveLength(1);
    expect(peer.received.map((p) => p.text)).toEqual([`Hi Runtime from ${runtime}`]);
  });

  it("answers bad input with a problem document and unauthenticated calls with 401", async () => {
    const bad = await call("POST", "/v1/events", "{oops");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((await api(herald.url, null)("GET", "/v1/stats")).status).toBe(401);
  });
});
