/**
 * Admin login throttling, per client and per account, such that guessing stays slow and a stranger
 * cannot lock the real admin out.
 *
 * - Per client (its address, an IPv6 /64; see net/client-address.ts): `attempts` per window, strict.
 *   One address cannot guess faster than that, and it locks out no one but itself.
 * - Per account (Herald has one admin account): `accountAttempts` per window from all clients
 *   together, so an attacker with many addresses still guesses at a bounded rate (100 per 15
 *   minutes: ~10,000 a day, against a generated password of 24 characters, ~140 bits).
 * - A browser that has logged in before carries a device cookie (signed, HttpOnly, scoped to the
 *   login path, 400 days) and is throttled as that device alone: neither its address's count nor
 *   the account's applies to it. So when strangers exhaust the account's budget, the admin still
 *   logs in from their usual browser; only a browser that never logged in must wait for the window
 *   (OWASP's "device cookies"). A stolen device cookie buys `attempts` guesses per window, no more.
 */
import type { Store } from "../../store/index.js";
import { issueToken, verifyToken } from "../auth/subscriber-token.js";
import { randomBytes, toBase64Url } from "../../lib/encoding.js";
import { readCookie } from "./session.js";

export interface LoginLimit {
  /** Failed attempts per client (or device) per window. */
  attempts: number;
  /** Failed attempts per window from clients without a device cookie, all together. */
  accountAttempts: number;
  windowMs: number;
}

/**
 * HERALD_ADMIN_LOGIN_ATTEMPTS (default 10) per HERALD_ADMIN_LOGIN_WINDOW_SECONDS (default 900), and
 * HERALD_ADMIN_LOGIN_ACCOUNT_ATTEMPTS (default 100) for the account.
 */
export function loginLimitFromEnv(env: Record<string, string | undefined>): LoginLimit {
  const positive = (name: string, fallback: number) => {
    const n = Number(env[name]);
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return {
    attempts: positive("HERALD_ADMIN_LOGIN_ATTEMPTS", 10),
    accountAttempts: positive("HERALD_ADMIN_LOGIN_ACCOUNT_ATTEMPTS", 100),
    windowMs: positive("HERALD_ADMIN_LOGIN_WINDOW_SECONDS", 900) * 1000,
  };
}

/** The device cookie: its path is the login's alone, so it travels with no other request. */
export const DEVICE_COOKIE = "herald_admin_device";
const DEVICE_TTL_SECONDS = 400 * 86_400;
const DEVICE_SUBJECT = "#admin-device:";

/** The device a login request's cookie names, if the cookie is Herald's and unexpired. */
export async function deviceOf(tokenKey: string, cookieHeader: string | undefined, nowMs: number): Promise<string | undefined> {
  const value = readCookie(cookieHeader, DEVICE_COOKIE);
  if (!value || value.length > 512) return undefined;
  const claims = await verifyToken(tokenKey, value, nowMs);
  if (claims?.scope !== "admin-device" || !claims.sub.startsWith(DEVICE_SUBJECT)) return undefined;
  return claims.sub.slice(DEVICE_SUBJECT.length);
}

/** Set-Cookie for a device (a new one, or the same one renewed after a login). */
export async function deviceCookie(tokenKey: string, device: string | undefined, nowMs: number, secure: boolean): Promise<string> {
  const id = device ?? toBase64Url(randomBytes(16));
  const token = await issueToken(tokenKey, { sub: `${DEVICE_SUBJECT}${id}`, exp: Math.floor(nowMs / 1000) + DEVICE_TTL_SECONDS, scope: "admin-device", iat: nowMs });
  return `${DEVICE_COOKIE}=${token}; Path=/v1/admin/login; HttpOnly; SameSite=Strict; Max-Age=${DEVICE_TTL_SECONDS}${secure ? "; Secure" : ""}`;
}

export type LoginAdmission =
  | { ok: true; succeeded(): Promise<void> }
  | { ok: false; retryAfterSeconds: number; scope: "client" | "account" };

/**
 * Counts this attempt (before the password is checked, in one statement per key, so parallel
 * guesses cannot slip past a limit) and says whether it may go on. `succeeded` forgets the client's
 * (or device's) attempts and gives the account its attempt back.
 */
export async function admitLogin(store: Pick<Store, "adminSessions">, limit: LoginLimit, who: { device?: string; client?: string }, now: number): Promise<LoginAdmission> {
  const refuse = (counted: { windowStart: number }, scope: "client" | "account"): LoginAdmission => ({
    ok: false,
    scope,
    retryAfterSeconds: Math.max(1, Math.ceil((counted.windowStart + limit.windowMs - now) / 1000)),
  });
  const key = who.device !== undefined ? `device:${who.device}` : `ip:${who.client ?? "unknown"}`;
  const own = await store.adminSessions.countAttempt(key, now, limit.windowMs);
  if (own.failures > limit.attempts) return refuse(own, "client");
  if (who.device !== undefined) return { ok: true, succeeded: () => store.adminSessions.clearAttempts(key) };
  const account = await store.adminSessions.countAttempt("account", now, limit.windowMs);
  if (account.failures > limit.accountAttempts) return refuse(account, "account");
  return {
    ok: true,
    async succeeded() {
      await store.adminSessions.clearAttempts(key);
      await store.adminSessions.refundAttempt("account");
    },
  };
}
