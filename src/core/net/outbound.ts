/**
 * Every outgoing HTTP call goes through here: a timeout on each, and a refusal to reach loopback,
 * link-local and private addresses (SSRF) unless HERALD_ALLOW_PRIVATE_NETWORK=1. Here host names
 * and IP literals are checked as written. The addresses a name resolves to are checked by the
 * runtime when it opens a connection (Node: a guarded `lookup`, src/runtimes/shared/guarded-lookup.ts),
 * because only the address actually connected counts: a lookup made here, before the call, is
 * beaten by a DNS answer that changes between the two (rebinding) and by pooled connections.
 */
import { whenBodyDone } from "./body-done.js";

export type OutboundFetch = (url: string, init?: RequestInit & { timeoutMs?: number }) => Promise<Response>;

export interface OutboundOptions {
  /**
   * The runtime's fetch. One that refuses private addresses when it connects throws
   * `OutboundError("blocked_address")` (see `blockedAddress`), which is passed on as it is.
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

export class OutboundError extends Error {
  constructor(
    readonly code: "timeout" | "network" | "blocked_address",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OutboundError";
  }
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
export function blockedAddress(host: string, address?: string): OutboundError {
  const target = address && address !== host ? `${host} (${address})` : host;
  return new OutboundError("blocked_address", `refusing to reach ${target}: private network (set HERALD_ALLOW_PRIVATE_NETWORK=1 to allow)`);
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
    if (callerSignal?.aborted) throw new OutboundError("network", `could not reach ${target.origin}: aborted by the caller`, { cause: callerSignal.reason });
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
      if (timedOut) throw new OutboundError("timeout", `no answer from ${target.origin} within ${timeoutMs} ms`, { cause: error });
      // A runtime fetch that refused the address it was about to connect to.
      if (error instanceof OutboundError) throw error;
      throw new OutboundError("network", `could not reach ${target.origin}: ${(error as Error).message}`, { cause: error });
    } finally {
      if (!bodyPending) disarm();
    }
  };
}

function isIpLiteral(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

function isPrivateName(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal");
}

/**
 * Loopback, private (RFC 1918), CGNAT, link-local, unspecified, and their IPv6 forms.
 * Self-contained on purpose: node-http2.ts runs its source text on a worker thread, so it refers
 * to nothing outside itself and declares no inner functions.
 */
export function isPrivateAddress(address: string): boolean {
  let ip = address.toLowerCase().replace(/^(?:0{1,4}:){5}ffff:/, "::ffff:");
  // An IPv4-mapped address in hex is that IPv4 address: `new URL` writes [::ffff:127.0.0.1] as [::ffff:7f00:1].
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    ip = `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip.replace(/^::ffff:/, ""));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (!ip.includes(":")) return false;
  // Link-local is fe80::/10 (fe80 to febf).
  return ip === "::1" || ip === "::" || ip.startsWith("fc") || ip.startsWith("fd") || /^fe[89ab]/.test(ip);
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
