/**
 * The SSRF guard on Node (and Deno's `node:net`), where a DNS answer cannot get past it: in the
 * `lookup` of the connection itself. Node's sockets (net, tls, http(s).Agent, http2.connect) take a `lookup`; this one resolves
 * as dns.lookup does and fails the connection when an answer is refused, so the address checked is
 * the address connected (a DNS that changes its answer between a check and the call cannot win),
 * once per connection: pooled connections are not looked up again, and calls pay nothing.
 * IP literals never reach a lookup (net connects to them directly): `createOutboundFetch` and SMTP's
 * `checkHost` check those as written, before the call.
 */
import dns from "node:dns";
import type { LookupFunction } from "node:net";
import { blockedAddress, isPrivateAddress } from "../../core/net/outbound.js";

/** Where a Node connection may go. */
export interface ConnectPolicy {
  allowPrivateNetwork: boolean;
  /**
   * Fixed answers for host names, given before DNS is asked (like /etc/hosts) and checked the same
   * way. Tests play a DNS that rebinds with it; there is no DNS in the test sandbox.
   */
  hosts?: Record<string, string>;
}

/** `dns.lookup` asked for every address. */
export type Resolve = (hostname: string, options: dns.LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

/**
 * A `lookup` that resolves `hostname` (from `hosts` first, else `resolve`) and calls `check` on
 * every address before answering; a check that throws or rejects fails the connection with that
 * error.
 *
 * @example
 * net.connect({ host, port, lookup: guardedLookup(dns.lookup, (address) => refuseIfPrivate(address)) })
 */
export function guardedLookup(resolve: Resolve, check: (address: string, hostname: string) => void | Promise<void>, hosts?: Record<string, string>): LookupFunction {
  return (hostname, options, callback) => {
    const answer = (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => {
      if (error) return callback(error, "");
      const checks: Promise<void>[] = [];
      try {
        for (const { address } of addresses) {
          const pending = check(address, hostname);
          if (pending) checks.push(pending);
        }
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, "");
      }
      const reply = () => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family));
      if (checks.length === 0) return reply();
      Promise.all(checks).then(reply, (refusal: NodeJS.ErrnoException) => callback(refusal, ""));
    };
    const pinned = hosts && Object.hasOwn(hosts, hostname) ? hosts[hostname]! : undefined;
    if (pinned === undefined) return resolve(hostname, { ...options, all: true }, answer);
    // Answered later, as DNS would be: net expects its lookup callback after connect() returned.
    process.nextTick(answer, null, [{ address: pinned, family: pinned.includes(":") ? 6 : 4 }]);
  };
}

/**
 * The system resolver's lookup with every answer passing `check`: what Node and Deno lend the SMTP
 * channel for its connections (channels/email/smtp-socket.ts). `hosts` as in `ConnectPolicy`.
 *
 * @example
 * socketChannels({ guardedLookup: checkedLookup })
 */
export function checkedLookup(check: (address: string, hostname: string) => void | Promise<void>, hosts?: Record<string, string>): LookupFunction {
  return guardedLookup(dns.lookup, check, hosts);
}

/**
 * The lookup for connections under `policy`, refusing private addresses with
 * `outboundError("blocked_address")`; undefined (Node's own lookup) when there is nothing to check.
 */
export function policyLookup(policy: ConnectPolicy): LookupFunction | undefined {
  if (policy.allowPrivateNetwork && !policy.hosts) return undefined;
  return guardedLookup(dns.lookup, policy.allowPrivateNetwork ? allowAny : refusePrivate, policy.hosts);
}

function allowAny(): void {}

function refusePrivate(address: string, hostname: string): void {
  if (isPrivateAddress(address)) throw blockedAddress(hostname, address);
}
