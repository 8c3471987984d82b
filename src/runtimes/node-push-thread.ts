/**
 * A push sender thread (node-push-transport.ts starts them): takes batches of push messages with
 * their plaintext, encrypts each (RFC 8291, push-encrypt.ts) and sends it over node-http2.ts's
 * HTTP/2 client (sessions per origin, the SSRF guard in each connection's lookup), and answers in
 * batches with what the transport needs: status, Location, Retry-After, and the body of a refusal.
 */
import dns from "node:dns";
import http2 from "node:http2";
import { parentPort } from "node:worker_threads";
import { encryptPushMessage, PushEncryptionError } from "../channels/push-encrypt.js";
import { isPrivateAddress } from "../core/net/outbound.js";
import { guardedLookup } from "./node-guarded-lookup.js";
import { CLIENT_SOURCE, type CreateClient, type Exchange, type Outcome } from "./node-http2.js";
import { threadMailbox } from "./thread-mailbox.js";

/** A message as the transport posts it: an HTTP/2 exchange without its body, and what to encrypt into it. */
export type SealedExchange = Omit<Exchange, "body"> & { plaintext: Uint8Array; p256dh: Uint8Array; auth: Uint8Array };

/** The answer posted back: compact, because a broadcast posts thousands. */
export type SenderOutcome =
  | { id: number; status: number; location: string | null; retryAfter: string | null; body: string }
  | { id: number; error: string; blocked?: { host: string; address: string }; encryption?: true }
  | { id: number; http1: true };

const port = parentPort!;
// Answers go back once per turn of this thread, however many.
const answer = threadMailbox<SenderOutcome>((batch) => port.postMessage(batch), Infinity).post;

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0]! : (value ?? null));
const client = (new Function(CLIENT_SOURCE)() as CreateClient)(http2, { lookup: dns.lookup, guardedLookup, isPrivateAddress }, (outcome: Outcome) => {
  if (!("status" in outcome)) return answer(outcome);
  const ok = outcome.status >= 200 && outcome.status < 300;
  const body = ok || !outcome.body ? "" : Buffer.from(outcome.body).toString("utf8");
  answer({ id: outcome.id, status: outcome.status, location: header(outcome.headers.location), retryAfter: header(outcome.headers["retry-after"]), body });
});

port.on("message", (batch: (SealedExchange | { cancel: number })[]) => {
  for (const m of batch) {
    if ("cancel" in m) {
      client.cancel(m.cancel);
      continue;
    }
    const { plaintext, p256dh, auth, ...exchange } = m;
    let body: Uint8Array;
    try {
      body = encryptPushMessage(plaintext, { p256dh, auth });
    } catch (error) {
      answer({ id: m.id, error: (error as Error).message, ...(error instanceof PushEncryptionError ? { encryption: true as const } : {}) });
      continue;
    }
    try {
      client.request({ ...exchange, body });
    } catch (error) {
      answer({ id: m.id, error: (error as Error).message });
    }
  }
});
