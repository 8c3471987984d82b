/**
 * Refusals the route walk (fuzz-routes.test.ts) found answered outside problem+json, each pinned
 * here: requests Node's HTTP parser refuses before Herald sees them, and provider webhooks a channel
 * refuses. Every 4xx is an RFC 9457 problem document with `type`, `title` and `status`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawResponse, sendRaw } from "../support/raw-http.js";
import { type HeraldProcess, startHerald, TEST_API_KEY } from "../support/server.js";

let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald({
    env: { TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000", TWILIO_AUTH_TOKEN: "twilio-token", TWILIO_FROM: "+15550000000", TWILIO_API_URL: "http://127.0.0.1:9" },
  });
});
afterAll(async () => {
  await herald?.stop();
});

function expectProblem(res: RawResponse, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  expect(JSON.parse(res.body)).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
}

describe("requests refused before any route", () => {
  it("answers a request line past Node's 16 KiB header limit with a 431 problem", async () => {
    const res = await sendRaw(herald.url, { method: "GET", path: `/v1/subscribers/${"a".repeat(20_000)}`, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expectProblem(res, 431);
  });

  it("answers bytes a URL may not hold (raw 0xFF in the path) with a 400 problem", async () => {
    const res = await sendRaw(herald.url, { method: "GET", path: "/v1/subscribers/\u00ff\u00e9", headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expectProblem(res, 400);
  });

  it("still serves the next request", async () => {
    const res = await sendRaw(herald.url, { method: "GET", path: "/healthz" });
    expect(res.status).toBe(200);
  });
});

describe("channel webhooks", () => {
  it("answers a status callback without a valid X-Twilio-Signature with a 403 problem", async () => {
    const res = await sendRaw(herald.url, {
      method: "POST",
      path: "/v1/channels/sms/webhook",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "forged" },
      body: Buffer.from("MessageSid=SM1&MessageStatus=delivered"),
    });
    expectProblem(res, 403);
  });
});
