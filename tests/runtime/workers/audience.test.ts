/**
 * Counting a broadcast's audience before sending (POST /v1/broadcasts/audience, what the admin shows
 * before it asks to confirm) is one request, and on Workers one invocation: its D1 queries must not
 * grow with the audience. 120,000 subscribers, a third of them with an email address.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { MAX_CHECKED } from "../../../src/core/broadcast-audience.js";
import { FREE_PROFILE } from "../../../src/runtimes/cloudflare/budget.js";
import { clearInvocationRecords, invocationRecords } from "../../../src/runtimes/cloudflare/meter.js";
import { call } from "./support.js";

const N = 120_000;
const TOPIC = "audience:all";

it(`counts an audience of ${N.toLocaleString("en")} per channel in one invocation within a free Worker's D1 queries`, async () => {
  expect((await call("GET", "/healthz")).status).toBe(200);
  const now = Date.now();
  const ids = Array.from({ length: N }, (_, i) => `aud-${String(i).padStart(6, "0")}`);
  for (let i = 0; i < N; i += 5000) {
    const part = JSON.stringify(ids.slice(i, i + 5000));
    await env.DB.batch([
      // Every third subscriber has an email address.
      env.DB.prepare("INSERT INTO subscribers (id, name, email, created_at, updated_at) SELECT value, value, CASE WHEN key % 3 = 0 THEN value || '@shop.example' END, ?, ? FROM json_each(?)").bind(now, now, part),
      env.DB.prepare("INSERT INTO topic_subscribers (topic, subscriber_id, created_at) SELECT ?, value, ? FROM json_each(?)").bind(TOPIC, now, part),
    ]);
  }

  for (const audience of [{ all: true }, { topic: TOPIC }]) {
    clearInvocationRecords();
    const res = await call("POST", "/v1/broadcasts/audience", { audience, channels: ["email", "realtime"] });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(N);
    // More than are checked: reach is extrapolated from the first MAX_CHECKED, and says so.
    expect(N).toBeGreaterThan(MAX_CHECKED);
    expect(res.body.estimated).toBe(true);
    const email = res.body.channels.find((c: { channel: string }) => c.channel === "email");
    expect(email.checked).toBe(true);
    expect(Math.abs(email.reachable - N / 3)).toBeLessThanOrEqual(N / 1000);
    expect(res.body.channels.find((c: { channel: string }) => c.channel === "realtime")).toEqual({ channel: "realtime", reachable: N, checked: false });

    const requests = invocationRecords().filter((r) => r.kind === "request");
    expect(requests).toHaveLength(1);
    expect(requests[0]!.d1Queries).toBeLessThanOrEqual(FREE_PROFILE.budget.d1Queries);
  }
}, 120_000);
