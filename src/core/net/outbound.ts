import ipaddr from "ipaddr.js";
/**
 * Every outgoing HTTP call goes through here: a timeout on each, and a refusal to reach loopback,
 * link-local and private addresses (SSRF) unless HERALD_ALLOW_PRIVATE_NETWORK=1. Here host names
 * and IP literals are checked as written. The addresses a name resolves to are checked by the
 * runtime when it opens a connection (Node: a guarded `lookup`, src/runtimes/shared/guarded-lookup.ts),
 * because only the address actually connected counts: a lookup made here, before the call, is
 * beaten by a DNS answer that changes between the two (rebinding) and by pooled connections.
 */
import { whenBodyDone } from "./body-done.js";
import { HeraldError } from "../errors.js";

export type OutboundFetch = (url: string, init?: RequestInit & { timeoutMs?: number }) => Promise<Response>;

export interface OutboundOptions {
  /**
   * The runtime's fetch. One that refuses private addresses when it connects throws
   * `outboundError("blocked_address")` (see `blockedAddress`), which is passed on as it is.
   */
  fetch?: typeof fetch;
  allowPrivateNetwork: boolean;
  defaultTimeoutMs?: number;
  /**
   * A DNS lookup checked before each call, for runtimes that cannot check at connect time. Weaker
   * than a connect-time check (see above) and a lookup per call; Node does not pass it.
   */
  resolveHost?: (host: string) => Promise<string[]>;
}

/** Why an outgoing call failed. */
export type OutboundCode = "timeout" | "network" | "blocked_address";
const OUTBOUND_CODES: ReadonlySet<string> = new Set<OutboundCode>(["timeout", "network", "blocked_address"]);

/**
 * An outgoing call that failed, as the engine's one error type: a timeout or an unreachable host is
 * worth retrying; a refused private address is not.
 */
export function outboundError(code: OutboundCode, message: string, options: { cause?: unknown } = {}): HeraldError {
  return new HeraldError(code, message, { retryable: code !== "blocked_address", cause: options.cause });
}

/** Whether `error` is an outgoing call's failure (made by `outboundError`). */
export function isOutboundError(error: unknown): error is HeraldError & { code: OutboundCode } {
  return error instanceof HeraldError && OUTBOUND_CODES.has(error.code);
}

/**
 * The SSRF guard alone, for transports that are not fetch (SMTP sockets): resolves when `hostname`
 * may be reached, throws `blocked_address` otherwise. Given an IP address (one a connection's DNS
 * lookup answered), it checks that address.
 */
export function createHostGuard(options: Pick<OutboundOptions, "allowPrivateNetwork" | "resolveHost">): (hostname: string) => Promise<void> {
  const check = hostCheck(options);
  return async (hostname) => check(hostname);
}

/**
 * The refusal of a private address, for runtimes that check addresses when they connect.
 *
 * @example
 * if (!allowPrivateNetwork && isPrivateAddress(address)) throw blockedAddress(hostname, address);
 */
export function blockedAddress(host: string, address?: string): HeraldError {
  const target = address && address !== host ? `${host} (${address})` : host;
  return outboundError("blocked_address", `refusing to reach ${target}: private network (set HERALD_ALLOW_PRIVATE_NETWORK=1 to allow)`);
}

/** The guard without a promise when there is no resolver to wait for (a microtask saved per call). */
function hostCheck(options: Pick<OutboundOptions, "allowPrivateNetwork" | "resolveHost">): (hostname: string) => Promise<void> | undefined {
  const refuse = (host: string) => {
    throw blockedAddress(host);
  };
  return (hostname) => {
    if (options.allowPrivateNetwork) return;
    const host = hostname.replace(/^\[|\]$/g, "");
    if (isPrivateName(host)) refuse(host);
    if (!options.resolveHost || isIpLiteral(host)) {
      if (isPrivateAddress(host)) refuse(host);
      return;
    }
    return options.resolveHost(host).then((addresses) => {
      if (addresses.some(isPrivateAddress)) refuse(host);
    });
  };
}

/**
 * Why not `AbortSignal.timeout` (+ `AbortSignal.any`): on Node 20 it costs ~18 µs per call (a
 * transferable signal, a weak timer), a measurable share of a push broadcast; an AbortController
 * and one timer cleared when the call is over cost ~1 µs. The timer stays armed while a response
 * body is still unread, so reading the body is bounded by the same timeout, and is cleared once
 * the body has been read or cancelled.
 */
export function createOutboundFetch(options: OutboundOptions): OutboundFetch {
  const doFetch = options.fetch ?? fetch;
  const defaultTimeout = options.defaultTimeoutMs ?? 10_000;
  const checkHost = hostCheck(options);
  return async (url, init = {}) => {
    const target = new URL(url);
    const pending = checkHost(target.hostname);
    if (pending) await pending;
    const { timeoutMs = defaultTimeout, signal: callerSignal, ...rest } = init;
    if (callerSignal?.aborted) throw outboundError("network", `could not reach ${target.origin}: aborted by the caller`, { cause: callerSignal.reason });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      callerSignal?.removeEventListener("abort", forward);
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
    // Node: a pending timeout must not hold the process open (AbortSignal.timeout does not either).
    (timer as { unref?: () => void }).unref?.();
    const forward = () => controller.abort(callerSignal!.reason);
    callerSignal?.addEventListener("abort", forward, { once: true });
    const disarm = () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", forward);
    };
    let bodyPending = false;
    try {
      const response = await doFetch(url, { ...rest, signal: controller.signal, redirect: rest.redirect ?? "manual" });
      bodyPending = response.body !== null;
      return bodyPending ? whenBodyDone(response, disarm) : response;
    } catch (error) {
      if (timedOut) throw outboundError("timeout", `no answer from ${target.origin} within ${timeoutMs} ms`, { cause: error });
      // A runtime fetch that refused the address it was about to connect to.
      if (isOutboundError(error)) throw error;
      throw outboundError("network", `could not reach ${target.origin}: ${(error as Error).message}`, { cause: error });
    } finally {
      if (!bodyPending) disarm();
    }
  };
}

/** An IP address as written: IPv6, or IPv4 in any form `inet_aton` reads (127.1, 0x7f.0.0.1, 2130706433). */
function isIpLiteral(host: string): boolean {
  if (host.includes(":")) return true;
  const parts = host.split(".");
  return parts.length <= 4 && parts.every((p) => /^(0x[0-9a-f]*|\d+)$/i.test(p));
}

function isPrivateName(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal");
}

/**
 * Whether an address must not be reached: anything but public unicast. IPv4: 0/8, 10/8, 100.64/10
 * (CGNAT), 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.88.99/24 (6to4 relays), 192.168/16,
 * 198.18/15 (benchmarking), 224/4 (multicast) and 240/4 (reserved, broadcast). Documentation ranges
 * (192.0.2/24, 198.51.100/24, 203.0.113/24) are left alone: never routed, so they reach nothing.
 * IPv6: everything outside 2000::/3 (the only global unicast block: this covers ::, ::1, fc00::/7,
 * fe80::/10, fec0::/10, ff00::/8, 100::/64 and the forms below), and inside it 2001::/23 (Teredo,
 * benchmarking, ORCHID) and 2002::/16 (6to4).
 *
 * Embedded IPv4: IPv4-mapped (::ffff:a.b.c.d, what a dual-stack socket connects to) and NAT64's
 * 64:ff9b::/96 (what a DNS64 network answers for an IPv4-only host) are judged by the IPv4 address
 * they reach, so public services stay reachable that way. IPv4-compatible (::a.b.c.d, deprecated),
 * IPv4-translated (::ffff:0:a.b.c.d), 6to4, Teredo and local-use NAT64 (64:ff9b:1::/48) are refused
 * outright: no public service needs them, and what they reach depends on tunnels configured on the host.
 * Anything with a colon that does not parse as IPv6 is refused; IPv4 is read as `inet_aton` reads it
 * (127.1, 0x7f.0.0.1, 2130706433), and a dotted number it cannot read is refused rather than resolved.
 * ipaddr.js parses and matches; the policy (which ranges) is Herald's.
 */
export function isPrivateAddress(address: string): boolean {
  let ip = address.trim().toLowerCase();
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  const zone = ip.indexOf("%");
  if (zone >= 0) ip = ip.slice(0, zone);
  if (!ip.includes(":")) {
    if (!isIpLiteral(ip)) return false;
    // "0x" alone is 0 to inet_aton; ipaddr.js wants a digit after it.
    const text = ip.replace(/(^|\.)0x(?=\.|$)/g, "$10");
    return !ipaddr.IPv4.isValid(text) || isPrivateV4(ipaddr.IPv4.parse(text));
  }
  // ipaddr.js reads "::a.b.c.d" as IPv4-mapped; inet_pton and the URL parser read it as the
  // deprecated IPv4-compatible form, which is refused.
  if (/^::\d+\.\d+\.\d+\.\d+$/.test(ip) || !ipaddr.IPv6.isValid(ip)) return true;
  const v6 = ipaddr.IPv6.parse(ip);
  if (v6.isIPv4MappedAddress()) return isPrivateV4(v6.toIPv4Address());
  if (v6.match(NAT64)) return isPrivateV4(new ipaddr.IPv4([v6.parts[6]! >> 8, v6.parts[6]! & 255, v6.parts[7]! >> 8, v6.parts[7]! & 255]));
  return !v6.match(GLOBAL_UNICAST) || REFUSED_GLOBAL.some((range) => v6.match(range));
}

const NAT64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
/** Teredo, benchmarking and ORCHID (2001::/23) and 6to4 (2002::/16). */
const REFUSED_GLOBAL = [ipaddr.IPv6.parseCIDR("2001::/23"), ipaddr.IPv6.parseCIDR("2002::/16")];
const REFUSED_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/3"].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));

function isPrivateV4(ip: ipaddr.IPv4): boolean {
  return REFUSED_V4.some((range) => ip.match(range));
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
