import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultFromError } from "../../../channels/shared/http-result.js";
import { createOutboundFetch, isOutboundError } from "../../../core/net/outbound.js";
import { createNodeFetch as create, type NodeFetch } from "./fetch.js";

let server: Server;
let url: string;
let port: number;
let connections = 0;
const made: NodeFetch[] = [];
const createNodeFetch = (...args: Parameters<typeof create>) => {
  const fetch = create(...args);
  made.push(fetch);
  return fetch;
};
/** The Node fetch refusing private addresses, as Herald runs by default. */
const nodeFetch = createNodeFetch({ allowPrivateNetwork: false });
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url === "/hang") return;
    if (req.url === "/empty") return void res.writeHead(204).end();
    if (req.url === "/moved") return void res.writeHead(302, { location: "/elsewhere" }).end();
    res.writeHead(201, { "content-type": "application/json", "x-multi": ["a", "b"] });
    res.end(JSON.stringify({ method: req.method, ttl: req.headers.ttl, body: Buffer.concat(chunks).toString("hex") }));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await Promise.all(made.map((fetch) => fetch.close()));
  server.closeAllConnections();
  server.close();
});

describe("the Node fetch", () => {
  it("posts bytes with headers and returns status, headers and body as a Response", async () => {
    const response = await nodeFetch(`${url}/x`, { method: "POST", headers: { ttl: "60" }, body: new Uint8Array([1, 2, 255]) });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-multi")).toBe("a, b");
    expect(await response.json()).toEqual({ method: "POST", ttl: "60", body: "0102ff" });
  });

  it("answers 204 with no body and leaves redirects to the caller", async () => {
    expect((await nodeFetch(`${url}/empty`)).status).toBe(204);
    const moved = await nodeFetch(`${url}/moved`, { redirect: "manual" });
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("/elsewhere");
  });

  it("times out through the outbound guard like the global fetch", async () => {
    const out = createOutboundFetch({ allowPrivateNetwork: true, fetch: nodeFetch });
    const error = await out(`${url}/hang`, { timeoutMs: 100 }).catch((e) => e);
    expect(isOutboundError(error)).toBe(true);
    expect(error.code).toBe("timeout");
    const refused = await out("http://127.0.0.1:9/x").catch((e) => e);
    expect(refused.code).toBe("network");
  });
});

describe("the Node fetch's SSRF guard, at connect time", () => {
  // rebind.test: a DNS that answered a public address when asked before the call (resolveHost,
  // what Node used to check) and answers loopback when the connection opens (the pinned host).
  const rebinding = { "rebind.test": "127.0.0.1" };

  it("refuses a host name that resolves to a private address when the connection opens", async () => {
    const before = connections;
    const out = createOutboundFetch({ allowPrivateNetwork: false, fetch: createNodeFetch({ allowPrivateNetwork: false, hosts: rebinding }), resolveHost: async () => ["203.0.113.7"] });
    const error = await out(`http://rebind.test:${port}/x`, { method: "POST", body: "{}" }).catch((e) => e);
    expect(isOutboundError(error)).toBe(true);
    expect(error.code).toBe("blocked_address");
    expect(error.message).toContain("rebind.test (127.0.0.1)");
    expect(resultFromError(error)).toMatchObject({ code: "blocked_address", retryable: false });
    expect(connections).toBe(before);
  });

  it("refuses what the system resolver answers too (localhost, asked directly)", async () => {
    const error = await nodeFetch(`http://localhost:${port}/x`).catch((e) => e);
    expect(error).toMatchObject({ code: "blocked_address" });
  });

  it("reaches a private address when allowed, five calls sharing the one connection checked when it opened", async () => {
    const before = connections;
    const open = createNodeFetch({ allowPrivateNetwork: true, hosts: rebinding });
    for (let i = 0; i < 5; i++) expect((await open(`http://rebind.test:${port}/x`)).status).toBe(201);
    expect(connections - before).toBe(1);
  });
});
