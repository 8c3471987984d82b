import { fromBase64Url } from "../../lib/encoding.js";
import type { FieldProblem } from "../errors.js";

/** Where push subscriptions may point, read from `HERALD_PUSH_HOSTS` and `HERALD_ALLOW_PRIVATE_NETWORK`. */
export interface PushEndpointPolicy {
  /** Host names; `*.example.com` admits any subdomain. */
  hosts: string[];
  /** Admit `http:` endpoints on loopback (development and tests). */
  allowLoopbackHttp: boolean;
}

/** The push services of Chrome/Edge (FCM), Firefox, Windows and Safari. */
export const DEFAULT_PUSH_HOSTS = ["fcm.googleapis.com", "updates.push.services.mozilla.com", "*.notify.windows.com", "web.push.apple.com", "*.push.apple.com"];

export function pushEndpointPolicy(env: Record<string, string | undefined>): PushEndpointPolicy {
  const listed = (env.HERALD_PUSH_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return { hosts: listed.length > 0 ? listed : DEFAULT_PUSH_HOSTS, allowLoopbackHttp: env.HERALD_ALLOW_PRIVATE_NETWORK === "1" };
}

export interface PushSubscriptionInput {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

/**
 * Field problems of a browser's `PushSubscription.toJSON()`; none means it can be stored. The
 * endpoint is where Herald will POST, so it must be a known push service: anything else would let
 * a subscriber token aim Herald's requests at an arbitrary (or internal) address.
 */
export function checkPushSubscription(input: PushSubscriptionInput, policy: PushEndpointPolicy): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const endpointProblem = checkEndpoint(input.endpoint, policy);
  if (endpointProblem) problems.push({ path: "endpoint", message: endpointProblem });
  const p256dh = fromBase64Url(input.keys.p256dh.replace(/=+$/, ""));
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 0x04) problems.push({ path: "keys.p256dh", message: "must be a base64url uncompressed P-256 point (65 bytes, starting 0x04)" });
  const auth = fromBase64Url(input.keys.auth.replace(/=+$/, ""));
  if (!auth || auth.length !== 16) problems.push({ path: "keys.auth", message: "must be a base64url 16-byte secret" });
  return problems;
}

function checkEndpoint(endpoint: string, policy: PushEndpointPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "is not a URL";
  }
  if (url.username || url.password) return "must not carry credentials";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (url.protocol === "http:" || (url.protocol === "https:" && isLoopback(host))) {
    if (policy.allowLoopbackHttp && isLoopback(host)) return undefined;
    if (url.protocol === "http:") return "must be an https URL";
  }
  if (url.protocol !== "https:") return "must be an https URL";
  if (!policy.hosts.some((pattern) => hostMatches(host, pattern))) return `host ${host} is not a known push service (HERALD_PUSH_HOSTS)`;
  return undefined;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function hostMatches(host: string, pattern: string): boolean {
  return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
}
