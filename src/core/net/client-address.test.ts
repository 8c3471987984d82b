import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { clientAddress, trustedProxiesFromEnv } from "./client-address.js";

/** The key `clientAddress` gives a request from `peer` carrying `headers`. */
async function keyOf(peer: string | undefined, headers: Record<string, string>, trusted = ""): Promise<string | undefined> {
  const read = clientAddress(peer === undefined ? undefined : () => ({ remote: { address: peer } }), trustedProxiesFromEnv(trusted));
  let key: string | undefined = "unset";
  const app = new Hono().get("/", (c) => ((key = read(c)), c.text("")));
  await app.request("/", { headers });
  return key;
}

describe("the client of a request", () => {
  it("is the peer the runtime names, whatever the request's headers say", async () => {
    expect(await keyOf("203.0.113.9", { "x-forwarded-for": "198.51.100.1", "cf-connecting-ip": "198.51.100.2" })).toBe("203.0.113.9");
    expect(await keyOf("::ffff:203.0.113.9", {})).toBe("203.0.113.9");
    expect(await keyOf(undefined, { "x-forwarded-for": "198.51.100.1" })).toBeUndefined();
  });

  it("is an IPv6 /64, since one host or line holds a whole /64", async () => {
    expect(await keyOf("2001:db8:1:2:aaaa::1", {})).toBe("2001:db8:1:2::/64");
    expect(await keyOf("2001:db8:1:2:bbbb::99", {})).toBe("2001:db8:1:2::/64");
  });

  it("behind trusted proxies, is the first hop from the right that is not one of them", async () => {
    const trusted = "10.0.0.0/8, 127.0.0.1";
    expect(await keyOf("127.0.0.1", { "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.1.1.1" }, trusted)).toBe("203.0.113.9");
    // What the client wrote at the left end cannot choose the key.
    expect(await keyOf("127.0.0.1", { "x-forwarded-for": "1.1.1.1, 203.0.113.9" }, trusted)).toBe("203.0.113.9");
    expect(await keyOf("127.0.0.1", { "x-forwarded-for": "10.2.2.2, 10.1.1.1" }, trusted)).toBe("10.2.2.2");
    expect(await keyOf("127.0.0.1", { "x-forwarded-for": "not-an-ip" }, trusted)).toBe("127.0.0.1");
    expect(await keyOf("127.0.0.1", {}, trusted)).toBe("127.0.0.1");
    // An untrusted peer's header is ignored.
    expect(await keyOf("198.51.100.1", { "x-forwarded-for": "203.0.113.9" }, trusted)).toBe("198.51.100.1");
  });

  it("refuses a trusted-proxy setting it cannot read", () => {
    expect(() => trustedProxiesFromEnv("10.0.0.0/8, proxy.internal")).toThrow("HERALD_TRUSTED_PROXIES");
    expect(trustedProxiesFromEnv(" ")).toEqual([]);
  });
});
