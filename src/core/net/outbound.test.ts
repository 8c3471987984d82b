import ipaddr from "ipaddr.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resultFromError } from "../../channels/shared/http-result.js";
import { HeraldError } from "../errors.js";
import { blockedAddress, createOutboundFetch, isOutboundError, isPrivateAddress, parseRetryAfter } from "./outbound.js";

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
    for (const a of ["8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:808:808"]) expect(isPrivateAddress(a), a).toBe(false);
  });

  // What each form reaches, and the verdict: embedded IPv4 judged by that address where a public
  // service may really be reached that way (mapped, NAT64), refused outright where not.
  it.each([
    ["::7f00:1", true, "IPv4-compatible 127.0.0.1 (deprecated form): refused outright"],
    ["::8.8.8.8", true, "IPv4-compatible, even of a public address"],
    ["::ffff:0:7f00:1", true, "IPv4-translated 127.0.0.1 (SIIT)"],
    ["::ffff:0:808:808", true, "IPv4-translated, even of a public address"],
    ["64:ff9b::7f00:1", true, "NAT64 of 127.0.0.1"],
    ["64:ff9b::10.0.0.1", true, "NAT64 of 10.0.0.1, dotted"],
    ["64:ff9b::808:808", false, "NAT64 of 8.8.8.8: the public host"],
    ["64:ff9b:1::808:808", true, "local-use NAT64 (RFC 8215)"],
    ["2002:7f00:1::", true, "6to4 of 127.0.0.1"],
    ["2002:808:808::1", true, "6to4, even of a public address"],
    ["2001::1", true, "Teredo"],
    ["2001:2::1", true, "benchmarking"],
    ["fec0::1", true, "site-local (deprecated)"],
    ["ff02::1", true, "multicast"],
    ["100::1", true, "discard-only"],
    ["4000::1", true, "outside 2000::/3: not global unicast"],
    ["::ffff:198.18.0.1", true, "mapped benchmarking address"],
    ["198.18.0.1", true, "benchmarking 198.18.0.0/15"],
    ["198.19.255.255", true, "benchmarking, upper half"],
    ["198.20.0.1", false, "just past it"],
    ["224.0.0.1", true, "multicast"],
    ["239.255.255.250", true, "multicast (SSDP)"],
    ["240.0.0.1", true, "reserved"],
    ["255.255.255.255", true, "broadcast"],
    ["192.0.0.170", true, "IETF protocol assignments (NAT64 discovery)"],
    ["192.88.99.1", true, "6to4 relay anycast"],
    ["127.1", true, "inet_aton shorthand of 127.0.0.1"],
    ["0x7f.0.0.1", true, "hex octet"],
    ["0177.0.0.1", true, "octal octet"],
    ["2130706433", true, "127.0.0.1 as one number"],
    ["134744072", false, "8.8.8.8 as one number"],
    ["[::1]", true, "bracketed as in a URL"],
    ["fe80::1%eth0", true, "with a zone"],
    ["1::2::3", true, "malformed IPv6: refused"],
    ["2606:4700:4700::1111", false, "public IPv6"],
    ["2001:db8::1", false, "documentation: never routed, left alone"],
    ["203.0.113.7", false, "documentation: never routed, left alone"],
    ["example.com", false, "a name, not an address (its answers are checked)"],
  ])("judges %s as private: %s (%s)", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it("agrees with ipaddr.js on thousands of addresses around every special range", () => {
    const random = seeded(20261206);
    const doc4 = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"].map((c) => ipaddr.IPv4.parseCIDR(c));
    const oracle = (text: string): boolean => {
      const ip = ipaddr.parse(text);
      if (ip.kind() === "ipv4") {
        const v4 = ip as ipaddr.IPv4;
        const range = v4.range();
        if (range === "unicast" || range === "as112" || range === "amt") return false;
        return !(range === "reserved" && doc4.some((cidr) => v4.match(cidr)));
      }
      const v6 = ip as ipaddr.IPv6;
      if (v6.isIPv4MappedAddress()) return oracle(v6.toIPv4Address().toString());
      if (v6.match(ipaddr.IPv6.parseCIDR("64:ff9b::/96"))) return oracle(`${v6.parts[6]! >> 8}.${v6.parts[6]! & 255}.${v6.parts[7]! >> 8}.${v6.parts[7]! & 255}`);
      if ((v6.parts[0]! & 0xe000) !== 0x2000) return true;
      const range = v6.range();
      if (range === "unicast" || range === "as112v6") return false;
      return !(range === "reserved" && !v6.match(ipaddr.IPv6.parseCIDR("2001::/23")));
    };
    const v4Firsts = [0, 10, 100, 127, 169, 172, 192, 198, 203, 223, 224, 239, 240, 255];
    const v6Prefixes = [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0xffff], [0, 0, 0, 0, 0xffff, 0], [0x64, 0xff9b, 0, 0, 0, 0], [0x64, 0xff9b, 1], [0x2002], [0x2001, 0], [0x2001, 0x1ff], [0x2001, 0x200], [0x2001, 0xdb8], [0xfe80], [0xfebf], [0xfec0], [0xfc00], [0xff00], [0x100, 0, 0, 0], [0x2606, 0x4700], [0x3fff], [0x1fff], [0x4000], [0x5f00]];
    let checked = 0;
    for (let i = 0; i < 4000; i++) {
      const octets = [random() < 0.8 ? v4Firsts[Math.floor(random() * v4Firsts.length)]! : Math.floor(random() * 256), ...[0, 0, 0].map(() => (random() < 0.3 ? [0, 18, 19, 64, 88, 99, 168, 254, 255][Math.floor(random() * 9)]! : Math.floor(random() * 256)))];
      const v4 = octets.join(".");
      const prefix = v6Prefixes[Math.floor(random() * v6Prefixes.length)]!;
      const groups = [...prefix, ...Array.from({ length: 8 - prefix.length }, () => (random() < 0.5 ? 0 : Math.floor(random() * 0x10000)))];
      if (prefix.length >= 5 && random() < 0.7) [groups[6], groups[7]] = [(octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!];
      const v6 = new ipaddr.IPv6(groups);
      const forms = [v4, `0x${octets[0]!.toString(16)}.${octets[1]}.${octets[2]}.${octets[3]}`, String(((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!), v6.toString(), v6.toNormalizedString(), v6.toString().toUpperCase()];
      if (prefix.length >= 5) forms.push(`${v6.toString().replace(/:[0-9a-f]+:[0-9a-f]+$/, "")}:${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`.replace(/^:(?!:)/, "::"));
      for (const form of forms) {
        // ipaddr.js reads "::a.b.c.d" as IPv4-mapped; inet_pton (and the URL parser) read it as
        // IPv4-compatible (::ac00:a853): the table above covers that form.
        if (!ipaddr.isValid(form) || /^::\d+\.\d+\.\d+\.\d+$/.test(form)) continue;
        expect([form, isPrivateAddress(form)]).toEqual([form, oracle(form)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it("refuse private targets unless allowed, before any request is made", async () => {
    let called = 0;
    const guarded = createOutboundFetch({ allowPrivateNetwork: false, fetch: async () => (called++, new Response("ok")) });
    // [::ffff:127.0.0.1] reaches the guard as [::ffff:7f00:1]: the URL parser writes it in hex.
    for (const url of ["http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/x", "http://metadata.internal/", "http://[::ffff:127.0.0.1]:9/x", "http://[::ffff:a00:1]/x"]) {
      await expect(guarded(url)).rejects.toMatchObject({ code: "blocked_address" });
    }
    const resolving = createOutboundFetch({ allowPrivateNetwork: false, fetch: async () => (called++, new Response("ok")), resolveHost: async () => ["10.0.0.5"] });
    await expect(resolving("https://rebind.example.com/")).rejects.toMatchObject({ code: "blocked_address", retryable: false });
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
    // The engine's one error type, final (not retryable), recognised as an outgoing call's failure.
    expect(error).toBeInstanceOf(HeraldError);
    expect(error).toMatchObject({ code: "blocked_address", retryable: false });
    expect(isOutboundError(error)).toBe(true);
    expect(isOutboundError(new HeraldError("config_invalid", "not an outgoing call"))).toBe(false);
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

/** A small deterministic generator (mulberry32), so a failure names an address that fails again. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
