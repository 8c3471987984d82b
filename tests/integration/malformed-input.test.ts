/**
 * What the route walk (fuzz-routes.test.ts) found, each pinned here: free-form JSON nested deeper than
 * anything downstream can take (500s), requests Node's HTTP parser refuses before Herald sees them
 * and provider webhooks a channel refuses (4xx outside problem+json). Every 4xx is an RFC 9457
 * problem document with `type`, `title` and `status`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawResponse, sendRaw } from "../support/raw-http.js";
import { api, type HeraldProcess, startHerald, TEST_API_KEY } from "../support/server.js";

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

/** A JSON body whose `data` (or `field`) is an array nested `levels` deep: JSON.stringify itself overflows at about 10,000. */
function deepBody(prefix: Record<string, unknown>, levels: number, field = "data"): Buffer {
  const head = JSON.stringify(prefix).slice(0, -1);
  return Buffer.from(`${head}${head.length > 1 ? "," : ""}"${field}":{"a":${"[".repeat(levels)}1${"]".repeat(levels)}}}`);
}

describe("free-form JSON nested too deep", () => {
  const json = { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" };
  const cases: [string, string, Record<string, unknown>, string?][] = [
    ["POST", "/v1/events", { type: "deep.event" }],
    ["POST", "/v1/broadcasts", { content: { title: "Hi", body: "there" }, audience: { all: true } }],
    ["PUT", "/v1/subscribers/deep-sub", { name: "Deep" }],
    ["POST", "/v1/topics/deep-room/messages", { body: "hello" }],
    ["POST", "/v1/admin/templates/preview", { template: { channels: { realtime: { title: "t", body: "b" } } } }],
  ];
  for (const [method, path, prefix] of cases) {
    it(`${method} ${path}: 20,000 levels of data is a 400 naming the field, not a 500`, async () => {
      const res = await sendRaw(herald.url, { method, path, headers: json, body: deepBody(prefix, 20_000) });
      expectProblem(res, 400);
      expect(JSON.parse(res.body).errors).toEqual([expect.objectContaining({ path: "data", message: "nests deeper than 32 levels" })]);
    });
  }

  it("takes the same requests with data 32 levels deep", async () => {
    const call = api(herald.url);
    let data: unknown = 1;
    for (let i = 0; i < 31; i++) data = [data];
    expect((await call("POST", "/v1/events", { type: "deep.event", data: { a: data } })).status).toBe(202);
    expect((await call("PUT", "/v1/subscribers/deep-sub", { data: { a: data } })).status).toBeLessThan(300);
  });
});

// Node only (this file is not in the portable suite): Deno's and workerd's parsers answer these themselves.
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
