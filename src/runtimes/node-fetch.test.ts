import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundFetch, OutboundError } from "../core/net/outbound.js";
import { nodeFetch } from "./node-fetch.js";

let server: Server;
let url: string;
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
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("nodeFetch", () => {
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
    expect(error).toBeInstanceOf(OutboundError);
    expect(error.code).toBe("timeout");
    const refused = await out("http://127.0.0.1:9/x").catch((e) => e);
    expect(refused.code).toBe("network");
  });
});
