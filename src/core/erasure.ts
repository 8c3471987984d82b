import type { Store } from "../store/index.js";
import type { Clock } from "./clock.js";
import { errorMessage } from "./errors.js";
import type { Logger } from "./logger.js";
import { randomBytes, toHex } from "../lib/encoding.js";
import type { RealtimeHub } from "./realtime/hub.js";
import { ERASED_REASON } from "./realtime/session.js";

/**
 * What stands in for an erased subscriber's id where a row is kept for counts and history
 * (notifications, clicks, room messages). Random, so it cannot be traced back; one per erasure, so
 * a room still shows that several removed messages came from one person. It starts with `~`, which
 * no subscriber id may (schemas/common.ts ExternalId), so no one created later can be mistaken for it.
 */
/** How every pseudonym starts: rows under one belong to someone erased. */
export const ERASED_ID_PREFIX = "~erased-";

export function erasedPseudonym(): string {
  return `${ERASED_ID_PREFIX}${toHex(randomBytes(8))}`;
}

/**
 * Erases a subscriber: their personal data and everything rendered for them goes in one atomic
 * batch (store/repositories/erasure.ts), then their live connections are closed. Every token issued
 * before it is refused from then on (auth/subscriber-access.ts). False when there is no such subscriber.
 *
 * Order matters for the connections: the hub is told only after the commit, and a connection
 * registered after that is checked against the store again when it registers (realtime/session.ts),
 * so none slips between the two.
 */
export async function eraseSubscriber(deps: { store: Store; hub: RealtimeHub; clock: Clock; logger: Logger }, id: string): Promise<boolean> {
  const erased = await deps.store.subscribers.erase(id, erasedPseudonym(), deps.clock.now());
  if (!erased) return false;
  const committedAt = deps.clock.now();
  try {
    await deps.hub.disconnect(id, ERASED_REASON);
  } catch (error) {
    // The erasure has committed: answering 500 would only make a retry a 404. A connection left open
    // has an empty stream behind it, can act on nothing (its token is refused) and gets 401 when it
    // reconnects; the log says the hub failed.
    deps.logger.log("error", "an erased subscriber's live connections could not be closed", { error: errorMessage(error) });
  }
  // Tokens carry the millisecond they were issued in, and a subscriber created again must be newer
  // than any of them: answer only once the clock has left the commit's millisecond (at most ~1 ms;
  // a test's hand-moved clock is waited for a few ms, no more).
  for (let i = 0; i < 5 && deps.clock.now() <= committedAt; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  return true;
}
