import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultFromError } from "../../../channels/shared/http-result.js";
import { createOutboundFetch, isOutboundError } from "../../../core/net/outbound.js";
import { createNodeFetch, type NodeFetch, type NodeFetchOptions } from "./fetch.js";
import type { ConnectPolicy } from "../../shared/guarded-lookup.js";
import { createHttp2Client, type Exchange, type Http2Client, type Outcome, type Route } from "./http2-client.js";

let h2: Http2SecureServer;
let h1: Server;
let h2Url: string;
let h1Url: string;
let h2Port: number;
const h2Connections: number[] = [];

/** Fetches and clients made by a test, closed after all. */
const made: { close(): unknown }[] = [];
/** A Node fetch that skips certificate checks (the servers' certificate is made here and trusted by nothing). */
function nodeFetchWith(policy: ConnectPolicy, options: NodeFetchOptions = {}): NodeFetch {
  const fetch = createNodeFetch(policy, { rejectUnauthorized: false, ...options });
  made.push(fetch);
  return fetch;
}
function client(outcomes: Outcome[]): Http2Client {
  const c = createHttp2Client((o) => outcomes.push(o));
  made.push(c);
  return c;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-h2-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { stdio: "ignore" });
  const tls = { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) };
  h2 = createSecureServer({ ...tls, allowHTTP1: true }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url === "/hang") return;
    if (req.url === "/empty") return void res.writeHead(204).end();
    if (req.url === "/created") return void res.writeHead(201, { location: "/message/1" }).end();
    if (req.url!.startsWith("/echo/")) return void res.writeHead(201, { location: req.url }).end();
    res.writeHead(201, { "content-type": "application/json", "retry-after": "3" });
    res.end(JSON.stringify({ version: req.httpVersion, method: req.method, ttl: req.headers.ttl, body: Buffer.concat(chunks).toString("hex") }));
  });
  h2.on("session", () => h2Connections.push(Date.now()));
  h1 = createHttpsServer(tls, (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ version: req.httpVersion }));
  });
  await Promise.all([new Promise<void>((r) => h2.listen(0, "127.0.0.1", r)), new Promise<void>((r) => h1.listen(0, "127.0.0.1", r))]);
  h2Port = (h2.address() as AddressInfo).port;
  h2Url = `https://127.0.0.1:${h2Port}`;
  h1Url = `https://127.0.0.1:${(h1.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(made.map((m) => m.close()));
  h1.closeAllConnections();
  h1.close();
  h2.close();
});

describe.each([
  ["on its own thread", true],
  ["on the calling thread (HERALD_HTTP2_THREAD=0)", false],
])("the Node fetch over HTTP/2 %s", (_, onThread) => {
  let nodeFetch: NodeFetch;
  beforeAll(() => {
    nodeFetch = nodeFetchWith({ allowPrivateNetwork: false }, { http2Thread: onThread });
    h2Connections.length = 0;
  });

  it("sends HTTPS requests as streams of one connection per origin", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => nodeFetch(`${h2Url}/push`, { method: "POST", headers: { ttl: "60", connection: "keep-alive" }, body: new Uint8Array([1, 2, 255]) })),
    );
    for (const response of answers) {
      expect(response.status).toBe(201);
      expect(response.headers.get("retry-after")).toBe("3");
      expect(await response.json()).toEqual({ version: "2.0", method: "POST", ttl: "60", body: "0102ff" });
    }
    expect(h2Connections).toHaveLength(1);
    expect(nodeFetch.http2OnOwnThread()).toBe(onThread);
    expect((await nodeFetch(`${h2Url}/empty`)).status).toBe(204);
    // A push service's usual answer: 201, a Location, no body (a null body, not an empty stream).
    const created = await nodeFetch(`${h2Url}/created`, { method: "POST", body: "x" });
    expect([created.status, created.headers.get("location"), created.body]).toEqual([201, "/message/1", null]);
    expect(await created.text()).toBe("");
    // A body that is a view into a larger buffer (pooled Buffers are) arrives as exactly that view.
    const pooled = Buffer.from([0, 0, 7, 8, 9, 0]);
    const echoed = await nodeFetch(`${h2Url}/push`, { method: "POST", body: pooled.subarray(2, 5) });
    expect((await echoed.json()).body).toBe("070809");
  });

  it("falls back to HTTP/1.1 for an origin without h2, and remembers it", async () => {
    for (let i = 0; i < 2; i++) {
      const response = await nodeFetch(`${h1Url}/x`);
      expect(await response.json()).toEqual({ version: "1.1" });
    }
  });

  it("times out a hanging stream through the outbound fetch", async () => {
    const outbound = createOutboundFetch({ allowPrivateNetwork: true, fetch: nodeFetch });
    const error = await outbound(`${h2Url}/hang`, { method: "POST", body: "x", timeoutMs: 200 }).catch((e) => e);
    expect(isOutboundError(error)).toBe(true);
    expect(error.code).toBe("timeout");
    // The connection survives a cancelled stream.
    expect((await nodeFetch(`${h2Url}/again`)).status).toBe(201);
  });

  // A DNS that answered a public address when asked before the call (resolveHost, what Node used
  // to check) and answers loopback when the connection opens (the pinned host). A name per thread
  // setting: each describe must open its own connections.
  const host = `rebind-${onThread ? "thread" : "local"}.test`;
  const rebinding = { [host]: "127.0.0.1" };

  it("refuses a host name that resolves to a private address when the connection opens", async () => {
    const before = h2Connections.length;
    const guarded = nodeFetchWith({ allowPrivateNetwork: false, hosts: rebinding }, { http2Thread: onThread });
    const out = createOutboundFetch({ allowPrivateNetwork: false, fetch: guarded, resolveHost: async () => ["203.0.113.7"] });
    const error = await out(`https://${host}:${h2Port}/push`, { method: "POST", body: "x" }).catch((e) => e);
    expect(guarded.http2OnOwnThread()).toBe(onThread);
    expect(isOutboundError(error)).toBe(true);
    expect(error.message).toContain(`${host} (127.0.0.1)`);
    expect(resultFromError(error)).toMatchObject({ code: "blocked_address", retryable: false });
    expect(h2Connections.length).toBe(before);
  });

  it("reaches it when private networks are allowed, and never lends that connection to a guarded call", async () => {
    const before = h2Connections.length;
    const open = nodeFetchWith({ allowPrivateNetwork: true, hosts: rebinding }, { http2Thread: onThread });
    for (let i = 0; i < 3; i++) expect(await (await open(`https://${host}:${h2Port}/push`, { method: "POST", body: "x" })).json()).toMatchObject({ version: "2.0" });
    expect(h2Connections.length - before).toBe(1);
    const guarded = nodeFetchWith({ allowPrivateNetwork: false, hosts: rebinding }, { http2Thread: onThread });
    await expect(guarded(`https://${host}:${h2Port}/push`, { method: "POST", body: "x" })).rejects.toMatchObject({ code: "blocked_address" });
  });
});

describe("the Node fetch's settings and lifetime", () => {
  it("takes its settings from its options, never from process.env", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { HERALD_HTTP2: "0", HERALD_HTTP2_THREAD: "0" });
    try {
      // Verifying unless told not to: the servers' self-signed certificate is refused.
      const verifying = createNodeFetch({ allowPrivateNetwork: true });
      made.push(verifying);
      await expect(verifying(`${h2Url}/push`, { method: "POST", body: "x" })).rejects.toThrow(/certificate/i);
      // HTTP/2 on its own thread by default, whatever HERALD_HTTP2 and HERALD_HTTP2_THREAD say.
      const fetch = nodeFetchWith({ allowPrivateNetwork: true });
      expect(await (await fetch(`${h2Url}/push`, { method: "POST", body: "x" })).json()).toMatchObject({ version: "2.0" });
      expect(fetch.http2OnOwnThread()).toBe(true);
      // Off when its options say so.
      const http1 = nodeFetchWith({ allowPrivateNetwork: true }, { http2: false });
      expect(await (await http1(`${h2Url}/push`, { method: "POST", body: "x" })).json()).toMatchObject({ version: "1.1" });
    } finally {
      process.env = saved;
    }
  });

  it("fails what is in flight when closed, stops its connection thread, and leaves other fetches working", async () => {
    const other = nodeFetchWith({ allowPrivateNetwork: true });
    const closing = nodeFetchWith({ allowPrivateNetwork: true });
    expect((await closing(`${h2Url}/created`, { method: "POST", body: "x" })).status).toBe(201);
    expect(closing.http2OnOwnThread()).toBe(true);
    const hanging = closing(`${h2Url}/hang`, { method: "POST", body: "x" }).catch((e) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    expect(await hanging).toMatchObject({ message: expect.stringMatching(/closed/) });
    expect(closing.http2OnOwnThread()).toBe(false);
    await expect(closing(`${h2Url}/created`, { method: "POST", body: "x" })).rejects.toThrow(/closed/);
    expect((await other(`${h2Url}/created`, { method: "POST", body: "x" })).status).toBe(201);
  });
});

describe("the HTTP/2 client against a server that never finishes the TLS handshake", () => {
  it("gives up on the connection after its timeout, and never answers (nor sends) a call cancelled while it was opening", async () => {
    const silent = createNetServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const origin = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const outcomes: Outcome[] = [];
      const h2 = client(outcomes);
      const exchange = (id: number): Exchange => ({ id, origin, headers: { ":method": "POST", ":path": "/push" }, body: "x", maxResponseBytes: 1024, rejectUnauthorized: false, allowPrivateNetwork: true, connectTimeoutMs: 300 });
      h2.request(exchange(1));
      h2.request(exchange(2));
      h2.cancel(2);
      await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(1);
      expect(outcomes[0]).toMatchObject({ id: 1, error: expect.stringContaining("could not connect within 300 ms") });
      await new Promise((r) => setTimeout(r, 200));
      expect(outcomes.map((o) => o.id)).toEqual([1]);
    } finally {
      silent.close();
    }
  });
});

describe("the HTTP/2 client sending on one route", () => {
  it("sends each request to its own path though the caller reuses one headers object, also while the connection opens", async () => {
    const outcomes: Outcome[] = [];
    const h2 = client(outcomes);
    // A fresh origin (localhost, not 127.0.0.1): the first requests wait for the connection.
    const route: Route = { origin: `https://localhost:${h2Port}`, maxResponseBytes: 1024, rejectUnauthorized: false, allowPrivateNetwork: true };
    const headers: Record<string, string> = { ":method": "POST" };
    const send = (n: number) => {
      headers[":path"] = `/echo/${n}`;
      h2.send(route, n, headers, "x");
    };
    for (let n = 1; n <= 5; n++) send(n);
    await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(5);
    for (let n = 6; n <= 10; n++) send(n);
    await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(10);
    for (const o of outcomes) expect(o).toMatchObject({ status: 201, headers: { location: `/echo/${o.id}` } });
  });

  it("sends the body of a DELETE or a GET as of a POST (Node ends those methods at their headers unless told otherwise)", async () => {
    const outcomes: Outcome[] = [];
    const h2 = client(outcomes);
    const route: Route = { origin: h2Url, maxResponseBytes: 4096, rejectUnauthorized: false, allowPrivateNetwork: true };
    ["DELETE", "GET", "POST"].forEach((method, k) => h2.send(route, k + 1, { ":method": method, ":path": "/" }, "ab"));
    await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(3);
    for (const o of outcomes) {
      expect(o).toMatchObject({ status: 201 });
      expect(JSON.parse(Buffer.from((o as { body: Uint8Array }).body).toString())).toMatchObject({ body: "6162" });
    }
  });

  it("never lends a connection opened without certificate checks to a call that wants them", async () => {
    const outcomes: Outcome[] = [];
    const h2 = client(outcomes);
    const route = (rejectUnauthorized: boolean): Route => ({ origin: h2Url, maxResponseBytes: 4096, rejectUnauthorized, allowPrivateNetwork: true });
    h2.send(route(false), 1, { ":method": "POST", ":path": "/created" }, "x");
    await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(1);
    h2.send(route(true), 2, { ":method": "POST", ":path": "/created" }, "x");
    await expect.poll(() => outcomes.length, { timeout: 5000 }).toBe(2);
    expect(outcomes[0]).toMatchObject({ id: 1, status: 201 });
    // The servers' certificate is self-signed: a verifying connection refuses it.
    expect(outcomes[1]).toMatchObject({ id: 2, error: expect.stringMatching(/certificate/i) });
  });
});
