/**
 * What the push transport (node/push/transport.ts, on the event loop) and its sender threads
 * (node/push/thread.ts) post to each other, packed. A broadcast posts thousands of messages; posted
 * as objects, each with its headers, route and three byte arrays, structured cloning cost ~5 µs per
 * message across the two threads, against ~0.5 µs packed (measured through a MessageChannel):
 * - what messages to one push service share (origin, VAPID authorization, TTL, policy) crosses
 *   once, as a numbered route;
 * - a message is then an id, a route number, a path, and its keys and plaintext in one buffer for
 *   the whole batch, handed over rather than copied;
 * - answers are ids, statuses and Locations, with anything unusual posted whole.
 */
import type { Outcome, Route } from "../net/http2-client.js";

/** A subscription's keys are fixed-size (RFC 8291): the P-256 point, then the auth secret. */
export const P256DH_BYTES = 65;
export const AUTH_BYTES = 16;

/** A route of push messages: request headers but `:path` (method, Authorization, TTL…). */
export type PushRoute = Route & { headers: Record<string, string> };

/** What the transport queues for a thread, in order; `packSenderBatch` turns a batch of them into one message. */
export type SenderItem =
  | { define: number; route: PushRoute }
  | { id: number; route: number; path: string; p256dh: Uint8Array; auth: Uint8Array; plaintext: Uint8Array }
  | { cancel: number }
  | { forget: number };

/** One batch to a sender thread. */
export interface SenderBatch {
  /** Routes first used in this batch, by number. */
  routes: [number, PushRoute][];
  ids: number[];
  routeIds: number[];
  paths: string[];
  /** Where each message's bytes end in `bytes`: p256dh, auth, then the plaintext, from the previous end. */
  ends: number[];
  bytes: Uint8Array<ArrayBuffer>;
  /** Messages whose caller gave up (a timeout): stopped after this batch's are sent. */
  cancels: number[];
  /** Routes no later message uses: dropped after this batch's messages took theirs. */
  forget: number[];
}

export function packSenderBatch(items: SenderItem[]): SenderBatch {
  const batch: SenderBatch = { routes: [], ids: [], routeIds: [], paths: [], ends: [], bytes: new Uint8Array(0), cancels: [], forget: [] };
  let size = 0;
  for (const item of items) if ("plaintext" in item) size += P256DH_BYTES + AUTH_BYTES + item.plaintext.length;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const item of items) {
    if ("define" in item) batch.routes.push([item.define, item.route]);
    else if ("cancel" in item) batch.cancels.push(item.cancel);
    else if ("forget" in item) batch.forget.push(item.forget);
    else {
      bytes.set(item.p256dh, at);
      bytes.set(item.auth, at + P256DH_BYTES);
      bytes.set(item.plaintext, at + P256DH_BYTES + AUTH_BYTES);
      at += P256DH_BYTES + AUTH_BYTES + item.plaintext.length;
      batch.ids.push(item.id);
      batch.routeIds.push(item.route);
      batch.paths.push(item.path);
      batch.ends.push(at);
    }
  }
  batch.bytes = bytes;
  return batch;
}

/** A message's outcome as the transport reads it. */
export type SenderOutcome =
  | { id: number; status: number; location: string | null; retryAfter: string | null; body: string }
  | { id: number; error: string; blocked?: { host: string; address: string }; encryption?: true }
  | { id: number; http1: true };

/** What a thread answers for each message: the HTTP/2 client's outcome, or an encryption that failed. */
export type ThreadOutcome = Outcome | { id: number; error: string; encryption: true };

/** Answers from a thread: accepted messages as parallel arrays, the rest whole. */
export interface AnswerBatch {
  ids: number[];
  statuses: number[];
  locations: (string | null)[];
  others: SenderOutcome[];
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0]! : (value ?? null));

export function packAnswers(outcomes: ThreadOutcome[]): AnswerBatch {
  const batch: AnswerBatch = { ids: [], statuses: [], locations: [], others: [] };
  for (const outcome of outcomes) {
    if (!("status" in outcome)) {
      batch.others.push(outcome);
    } else if (outcome.status >= 200 && outcome.status < 300) {
      batch.ids.push(outcome.id);
      batch.statuses.push(outcome.status);
      batch.locations.push(first(outcome.headers.location));
    } else {
      // Only a refusal's body is worth carrying (its reason is recorded).
      const body = outcome.body ? Buffer.from(outcome.body).toString("utf8") : "";
      batch.others.push({ id: outcome.id, status: outcome.status, location: first(outcome.headers.location), retryAfter: first(outcome.headers["retry-after"]), body });
    }
  }
  return batch;
}

/** Calls `settle` for each answer of a batch, in the shape the transport reads. */
export function unpackAnswers(batch: AnswerBatch, settle: (outcome: SenderOutcome) => void): void {
  for (let k = 0; k < batch.ids.length; k++) settle({ id: batch.ids[k]!, status: batch.statuses[k]!, location: batch.locations[k]!, retryAfter: null, body: "" });
  for (const outcome of batch.others) settle(outcome);
}
