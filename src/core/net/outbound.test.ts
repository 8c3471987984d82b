import { afterEach, describe, expect, it, vi } from "vitest";
import { resultFromError } from "../../channels/http-result.js";
import { blockedAddress, createOutboundFetch, isPrivateAddress, OutboundError, parseRetryAfter } from "./outbound.js";

/** An outbound fetch over a fake provider answering `body`, with the signals it was given. */
function answering(body: () => BodyInit | null) {
  const signals: AbortSignal[] = [];
  const out = createOutboundFetch({
    allowPrivateNetwork: true,
    fetch: async (_url, init) => (signals.push(init!.signal!), new Response(body(), { status: 200, headers: { "x-id": "42" } })),
  });
  return { out, signals };
}

describe("outbound calls", () => {
  it("recognise private, loopback and link-local addresses", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "febf::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:a00:1", "0:0:0:0:0:ffff:7f00:1", "::FFFF:C0A8:101"]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:808:808", "fec0::1"]) expect(isPrivateAddress(a), a).toBe(false);
  });

  it("refuse private targets unless allowed, before any request is made", async () => {
    let called = 0;
    const guarded = createOutboundFetch({ allowPrivateNetwork: false, fetch: async () => (called++, new Response("ok")) });
    // [::ffff:127.0.0.1] reaches the guard as [::ffff:7f00:1]: the URL parser writes it in hex.
    for (const url of ["http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/x", "http://metadata.internal/", "http://[::ffff:127.0.0.1]:9/x", "http://[::ffff:a00:1]/x"]) {
      await expect(guarded(url)).rejects.toMatchObject({ code: "blocked_address" });
    }
    const resolving = createOutboundFetch({ allowPrivateNetwork: false, fetch: async () => (called++, new Response("ok")), resolveHost: async () => ["10.0.0.5"] });
    await expect(resolving("https://rebind.example.com/")).rejects.toBeInstanceOf(OutboundError);
    expect(called).toBe(0);
    const open = createOutboundFetch({ allowPrivateNetwork: true, fetch: async () => (called++, new Response("ok")) });
    expect((await open("http://127.0.0.1:9/x")).status).toBe(200);
  });

  it("time out a call that does not answer", async () => {
    const hanging = createOutboundFetch({
      allowPrivateNetwork: true,
      fetch: (_url, init) => new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    });
    await expect(hanging("http://127.0.0.1/", { timeoutMs: 50 })).rejects.toMatchObject({ code: "timeout" });
  });

  it("keep the timeout armed while a response body is unread, and disarm it when there is none", async () => {
    const signals: AbortSignal[] = [];
    const slowBody = createOutboundFetch({
      allowPrivateNetwork: true,
      fetch: async (_url, init) => {
        signals.push(init!.signal!);
        // A body that never ends unless the call is aborted, like a stalled server.
        const body = new ReadableStream({ start: (c) => init!.signal!.addEventListener("abort", () => c.error(init!.signal!.reason)) });
        return new Response(body, { status: 200 });
      },
    });
    const response = await slowBody("http://127.0.0.1/", { timeoutMs: 50 });
    await expect(response.text()).rejects.toMatchObject({ name: "TimeoutError" });

    const empty = createOutboundFetch({ allowPrivateNetwork: true, fetch: async (_url, init) => (signals.push(init!.signal!), new Response(null, { status: 201 })) });
    expect((await empty("http://127.0.0.1/", { timeoutMs: 30 })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 80));
    expect(signals[1]!.aborted).toBe(false);
  });

  describe("once the response body is over", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("clear the timeout when the body has been read, so it never aborts the finished call", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { out, signals } = answering(() => '{"id":"42"}');
      const response = await out("http://127.0.0.1/", { timeoutMs: 1000 });
      expect(vi.getTimerCount()).toBe(1);
      expect(await response.json()).toEqual({ id: "42" });
      expect([response.status, response.headers.get("x-id"), response instanceof Response]).toEqual([200, "42", true]);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(5000);
      expect(signals[0]!.aborted).toBe(false);
    });

    it("clear the timeout when the body is cancelled unread, or read to its end through .body", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { out } = answering(() => "not wanted");
      await (await out("http://127.0.0.1/", { timeoutMs: 1000 })).body!.cancel();
      expect(vi.getTimerCount()).toBe(0);

      const streamed = await out("http://127.0.0.1/", { timeoutMs: 1000 });
      const body = streamed.body!;
      expect(streamed.body).toBe(body);
      const reader = body.getReader();
      let text = "";
      for (let next = await reader.read(); !next.done; next = await reader.read()) text += new TextDecoder().decode(next.value);
      expect(text).toBe("not wanted");
      expect(vi.getTimerCount()).toBe(0);
    });

    it("work with a Response class of another library (@hono/node-server installs one globally)", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      // Like @hono/node-server's lightweight Response: its own getters over private fields.
      class LightResponse {
        readonly #status = 201;
        readonly #text = "light";
        get status() {
          return this.#status;
        }
        get ok() {
          return this.#status < 300;
        }
        get body() {
          return new Response(this.#text).body;
        }
        text() {
          return Promise.resolve(this.#text);
        }
      }
      Object.setPrototypeOf(LightResponse.prototype, Response.prototype);
      const out = createOutboundFetch({ allowPrivateNetwork: true, fetch: async () => new LightResponse() as unknown as Response });
      const response = await out("http://127.0.0.1/", { timeoutMs: 1000 });
      expect([response.status, response.ok, await response.text()]).toEqual([201, true, "light"]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it("leave a body untouched by a look at .body before text()", async () => {
      const { out } = answering(() => "still here");
      const response = await out("http://127.0.0.1/", { timeoutMs: 1000 });
      expect(response.body).not.toBeNull();
      expect(await response.text()).toBe("still here");
    });

    it("still cut a body read through .body that never ends, at the timeout", async () => {
      const hanging = createOutboundFetch({
        allowPrivateNetwork: true,
        fetch: async (_url, init) => new Response(new ReadableStream({ start: (c) => init!.signal!.addEventListener("abort", () => c.error(init!.signal!.reason)) })),
      });
      const response = await hanging("http://127.0.0.1/", { timeoutMs: 50 });
      await expect(response.body!.getReader().read()).rejects.toMatchObject({ name: "TimeoutError" });
    });
  });

  it("pass on a runtime fetch's refusal of the address it was connecting to, as final", async () => {
    const refusing = createOutboundFetch({
      allowPrivateNetwork: false,
      fetch: async () => {
        throw blockedAddress("rebind.example.com", "127.0.0.1");
      },
    });
    const error = await refusing("https://rebind.example.com/").catch((e) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error.message).toContain("rebind.example.com (127.0.0.1)");
    expect(resultFromError(error)).toMatchObject({ ok: false, code: "blocked_address", retryable: false });
  });

  it("abort a call when the caller's own signal aborts", async () => {
    const hanging = createOutboundFetch({
      allowPrivateNetwork: true,
      fetch: (_url, init) => new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    });
    const caller = new AbortController();
    const call = hanging("http://127.0.0.1/", { timeoutMs: 10_000, signal: caller.signal });
    caller.abort();
    await expect(call).rejects.toMatchObject({ code: "network" });
    const already = hanging("http://127.0.0.1/", { timeoutMs: 10_000, signal: AbortSignal.abort() });
    await expect(already).rejects.toMatchObject({ code: "network" });
  });

  it("read Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("120", 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
