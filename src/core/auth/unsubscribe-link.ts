import { issueToken } from "./subscriber-token.js";

/** How long an unsubscribe link in an email keeps working: mail is read months later. */
export const UNSUBSCRIBE_LINK_TTL_SECONDS = 400 * 86_400;

/** A signed link (`/v1/unsubscribe/<token>`) that turns one channel off for one subscriber; it grants nothing else. */
export async function unsubscribeUrl(tokenKey: string, publicUrl: string, subscriberId: string, channel: string, nowMs: number): Promise<string> {
  const token = await issueToken(tokenKey, { sub: subscriberId, exp: Math.floor(nowMs / 1000) + UNSUBSCRIBE_LINK_TTL_SECONDS, scope: "unsubscribe", ch: channel, iat: nowMs });
  return `${publicUrl}/v1/unsubscribe/${token}`;
}

