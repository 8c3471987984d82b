/**
 * Who is calling, for throttling. The runtime says who the peer is, the way Hono's adapters do
 * (`GetConnInfo`: Node's socket, Deno's `remoteAddr`, Cloudflare's `cf-connecting-ip`, a header only
 * Cloudflare's edge sets); core never reads a client-supplied header unless the peer is a proxy the
 * operator trusts (HERALD_TRUSTED_PROXIES), and then reads X-Forwarded-For from the right.
 *
 * Addresses are parsed with ipaddr.js (pure JavaScript: Node, Deno and Workers alike).
 */
import type { Context } from "hono";
import type { GetConnInfo } from "hono/conninfo";
import ipaddr from "ipaddr.js";

export type TrustedProxies = [ipaddr.IPv4 | ipaddr.IPv6, number][];

/** HERALD_TRUSTED_PROXIES: comma-separated addresses or CIDR ranges (`127.0.0.1, 10.0.0.0/8, fd00::/8`). */
export function trustedProxiesFromEnv(value: string | undefined): TrustedProxies {
  const ranges: TrustedProxies = [];
  for (const item of (value ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    if (ipaddr.isValidCIDR(item)) ranges.push(ipaddr.parseCIDR(item));
    else if (ipaddr.isValid(item)) {
      const ip = ipaddr.process(item);
      ranges.push([ip, ip.kind() === "ipv4" ? 32 : 128]);
    } else throw new Error(`HERALD_TRUSTED_PROXIES: "${item}" is neither an IP address nor a CIDR range`);
  }
  return ranges;
}

function parsed(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  // Node writes IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d: `process` makes them IPv4.
  return ipaddr.isValid(address) ? ipaddr.process(address) : undefined;
}

function trusted(ip: ipaddr.IPv4 | ipaddr.IPv6, proxies: TrustedProxies): boolean {
  return proxies.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
}

/**
 * The throttling key of an address: the IPv4 address, or the IPv6 /64 (one subscriber line or host
 * has a whole /64; keying by full IPv6 address would give an attacker 2^64 fresh keys).
 */
export function clientKey(ip: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (ip.kind() === "ipv4") return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

/**
 * A function naming the client of a request as a throttling key, undefined when the runtime cannot
 * tell (no `getConnInfo`). Behind trusted proxies, X-Forwarded-For is read from its right end and the
 * first hop that is not a trusted proxy is the client: entries further left are whatever the client
 * wrote, and a client can write anything.
 */
export function clientAddress(getConnInfo: GetConnInfo | undefined, proxies: TrustedProxies): (c: Context) => string | undefined {
  return (c) => {
    let peerText: string | undefined;
    try {
      peerText = getConnInfo?.(c).remote.address;
    } catch {
      peerText = undefined;
    }
    const peer = peerText ? parsed(peerText) : undefined;
    if (!peer) return peerText || undefined;
    if (!trusted(peer, proxies)) return clientKey(peer);
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parsed(hops[i]!);
      // A hop that is not an address: what a trusted proxy appended ends here; the last proxy is the key.
      if (!hop) break;
      client = hop;
      if (!trusted(hop, proxies)) break;
    }
    return clientKey(client);
  };
}
