import type { Store } from "../../store/index.js";
import { randomBytes, sha256Hex, timingSafeEqual, toBase64Url } from "../../lib/encoding.js";

/** The session cookie. Not `__Host-`: that prefix needs Secure, and Herald also runs on plain http://127.0.0.1. */
export const SESSION_COOKIE = "herald_admin";
/** Header carrying the session's CSRF token on every state-changing request (synchronizer token). */
export const CSRF_HEADER = "x-herald-csrf";
/** Absolute session lifetime. */
export const SESSION_TTL_MS = 12 * 3600_000;

export interface AdminSession {
  idHash: string;
  csrf: string;
  expiresAt: number;
}

/** Starts a session: the cookie value goes to the browser, only its SHA-256 is stored. */
export async function createSession(store: Store, now: number): Promise<{ token: string; session: AdminSession }> {
  const token = toBase64Url(randomBytes(32));
  const session = { idHash: await sha256Hex(token), csrf: toBase64Url(randomBytes(24)), expiresAt: now + SESSION_TTL_MS };
  await store.adminSessions.create({ ...session, createdAt: now });
  return { token, session };
}

/** The live session a cookie value names, if any. A lookup by hash: the hash comparison is the database's, on a value the client cannot steer byte by byte. */
export async function findSession(store: Store, token: string | undefined, now: number): Promise<AdminSession | undefined> {
  if (!token || token.length > 128) return undefined;
  const row = await store.adminSessions.find(await sha256Hex(token), now);
  return row && { idHash: row.idHash, csrf: row.csrf, expiresAt: row.expiresAt };
}

export function csrfMatches(session: AdminSession, presented: string | undefined): boolean {
  return presented !== undefined && timingSafeEqual(session.csrf, presented);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for the session: HttpOnly, SameSite=Strict, Secure when the request came over HTTPS. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}
