import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { describe, expect, it } from "vitest";
import { outboundError } from "../../core/net/outbound.js";
import { guardedLookup, policyLookup, type Resolve } from "./guarded-lookup.js";

/** A DNS that answers `answers` for every name, counting the questions. */
function fakeDns(answers: string[]): Resolve & { asked: number } {
  const resolve = ((_host, _options, callback) => {
    resolve.asked++;
    setImmediate(() => callback(null, answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))));
  }) as Resolve & { asked: number };
  resolve.asked = 0;
  return resolve;
}

function ask(lookup: LookupFunction, host: string, all: boolean): Promise<{ address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve, reject) => lookup(host, { all }, (error, address, family) => (error ? reject(error) : resolve({ address, family }))));
}

const refusePrivate = (address: string, host: string) => {
  if (address.startsWith("10.") || address === "127.0.0.1") throw outboundError("blocked_address", `refusing ${host} (${address})`);
};

describe("the guarded lookup", () => {
  it("checks every address of the answer and refuses the connection if one is refused", async () => {
    const lookup = guardedLookup(fakeDns(["203.0.113.7", "10.0.0.5"]), refusePrivate);
    await expect(ask(lookup, "mixed.example", true)).rejects.toMatchObject({ code: "blocked_address", message: "refusing mixed.example (10.0.0.5)" });
    await expect(ask(lookup, "mixed.example", false)).rejects.toMatchObject({ code: "blocked_address" });
  });

  it("answers in the shape the socket asked for once the addresses pass", async () => {
    const lookup = guardedLookup(fakeDns(["203.0.113.7", "2001:db8::1"]), refusePrivate);
    expect(await ask(lookup, "ok.example", true)).toEqual({
      address: [
        { address: "203.0.113.7", family: 4 },
        { address: "2001:db8::1", family: 6 },
      ],
      family: undefined,
    });
    expect(await ask(lookup, "ok.example", false)).toEqual({ address: "203.0.113.7", family: 4 });
  });

  it("waits for a check that answers later, and refuses when it rejects", async () => {
    const lookup = guardedLookup(fakeDns(["127.0.0.1"]), async (address) => refusePrivate(address, "later.example"));
    await expect(ask(lookup, "later.example", true)).rejects.toMatchObject({ name: "HeraldError", code: "blocked_address" });
  });

  it("answers pinned hosts without asking DNS, and checks them the same", async () => {
    const dns = fakeDns(["203.0.113.7"]);
    const lookup = guardedLookup(dns, refusePrivate, { "rebind.test": "127.0.0.1", "ok.test": "203.0.113.9" });
    await expect(ask(lookup, "rebind.test", true)).rejects.toMatchObject({ code: "blocked_address" });
    expect(await ask(lookup, "ok.test", false)).toEqual({ address: "203.0.113.9", family: 4 });
    // Not a pinned name, though every object has it.
    expect(await ask(lookup, "constructor", false)).toEqual({ address: "203.0.113.7", family: 4 });
    expect(dns.asked).toBe(1);
  });

  it("is Node's own lookup when private networks are allowed and nothing is pinned", () => {
    expect(policyLookup({ allowPrivateNetwork: true })).toBeUndefined();
    expect(policyLookup({ allowPrivateNetwork: false })).toBeTypeOf("function");
  });
});
