import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type HeraldProcess, startHerald } from "../support/server.js";
import { openSse } from "../support/stream-clients.js";

const SHOP = "http://shop.test:3000";
const ELSEWHERE = "https://evil.example";

let herald: HeraldProcess;
let call: ReturnType<typeof api>;
let token: string;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_ALLOWED_ORIGINS: `${SHOP}, https://other.example` } });
  call = api(herald.url);
  await call("PUT", "/v1/subscribers/cors-1", { name: "Cors" });
  token = (await call("POST", "/v1/subscribers/cors-1/tokens", {})).body.token;
});
afterAll(() => herald?.stop());

const request = (method: string, path: string, headers: Record<string, string> = {}) => fetch(herald.url + path, { method, headers });
const preflight = (path: string, origin: string, method = "POST") =>
  request("OPTIONS", path, { origin, "access-control-request-method": method, "access-control-request-headers": "authorization,content-type" });

/** The HTTP status a WebSocket handshake got: 101 when it opened. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => {
      socket.close();
      resolve(101);
    });
    socket.once("unexpected-response", (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    socket.once("error", () => {});
  });
}

describe("cross-origin use of the subscriber API (HERALD_ALLOWED_ORIGINS)", () => {
  it("answers a listed origin's preflight with exactly that origin, the bearer header allowed and no credentials", async () => {
    const res = await preflight("/v1/me/notifications/x/read", SHOP);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(res.headers.get("access-control-allow-headers")?.split(",")).toEqual(expect.arrayContaining(["authorization", "content-type"]));
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("lets a listed origin read answers and refusals (a 401 the SDK renews its token on)", async () => {
    const ok = await request("GET", "/v1/me/unread-count", { origin: SHOP, authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(ok.headers.get("access-control-expose-headers")).toContain("x-request-id");
    const refused = await request("GET", "/v1/me/unread-count", { origin: SHOP, authorization: "Bearer nope" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(SHOP);
    const key = await request("GET", "/v1/push/vapid-public-key", { origin: SHOP });
    expect(key.headers.get("access-control-allow-origin")).toBe(SHOP);
    const sdk = await request("GET", "/sdk/herald.js", { origin: SHOP });
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(await sdk.text()).toContain("export class Herald");
  });

  it("refuses every other origin with 403, preflight, API, SDK, SSE and WebSocket alike, and names the setting", async () => {
    const pre = await preflight("/v1/me/notifications", ELSEWHERE);
    expect(pre.status).toBe(403);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const get = await request("GET", "/v1/me/unread-count", { origin: ELSEWHERE, authorization: `Bearer ${token}` });
    expect(get.status).toBe(403);
    expect(get.headers.get("content-type")).toContain("application/problem+json");
    expect((await get.json()).detail).toContain("HERALD_ALLOWED_ORIGINS");
    // A token in the query makes a "simple" request, which browsers send without a preflight: refused all the same.
    expect((await request("POST", `/v1/me/notifications/read-all?token=${token}`, { origin: ELSEWHERE })).status).toBe(403);
    expect((await request("GET", "/sdk/herald.js", { origin: ELSEWHERE })).status).toBe(403);
    const sse = await openSse(`${herald.url}/v1/me/stream?token=${token}`, { origin: ELSEWHERE });
    expect(sse.status).toBe(403);
    const ws = herald.url.replace("http", "ws");
    expect(await upgradeStatus(`${ws}/v1/me/ws?token=${token}`, { origin: ELSEWHERE })).toBe(403);
    // An origin that only shares a prefix with a listed one is another origin.
    expect(await upgradeStatus(`${ws}/v1/me/ws?token=${token}`, { origin: `${SHOP}0` })).toBe(403);
  });

  it("opens WebSocket and SSE streams for a listed origin, the server's own origin, and clients that send none", async () => {
    const ws = herald.url.replace("http", "ws");
    expect(await upgradeStatus(`${ws}/v1/me/ws?token=${token}`, { origin: SHOP })).toBe(101);
    expect(await upgradeStatus(`${ws}/v1/me/ws?token=${token}`, { origin: herald.url })).toBe(101);
    expect(await upgradeStatus(`${ws}/v1/me/ws?token=${token}`, {})).toBe(101);
    const sse = await openSse(`${herald.url}/v1/me/stream?token=${token}`, { origin: SHOP });
    expect(sse.status).toBe(200);
    await sse.until((events) => events.some((e) => e.event === "ready"));
    sse.close();
  });

  it("keeps the API-key routes server-to-server: no CORS headers for any origin", async () => {
    const pre = await preflight("/v1/events", SHOP);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const get = await call("GET", "/v1/subscribers/cors-1", undefined, { origin: SHOP });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  // Not on workerd: a Worker reads its settings on its first request, so a bad setting is a 500 there, not a refused start.
  it.skipIf(process.env.HERALD_TEST_RUNTIME === "workerd")("refuses to start with a wildcard or something that is not an origin", async () => {
    for (const value of ["*", "https://shop.example/path", "shop.example"]) {
      await expect(startHerald({ env: { HERALD_ALLOWED_ORIGINS: value } })).rejects.toThrow(/HERALD_ALLOWED_ORIGINS/);
    }
  });
});
