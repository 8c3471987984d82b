/**
 * A push sender thread (node/push/transport.ts starts them): takes batches of push messages with
 * their plaintext, encrypts each (RFC 8291, src/lib/push-encrypt.ts) and sends it over the HTTP/2
 * client (net/http2-client.ts: sessions per origin, the SSRF guard in each connection's lookup),
 * and answers in batches with what the transport needs: status, Location, Retry-After, and the
 * body of a refusal.
 *
 * Both directions are packed (protocol.ts): what messages to one push service share crosses once
 * as a route, and each message is an id, a path and bytes in one buffer per batch.
 */
import { parentPort } from "node:worker_threads";
import { encryptPushMessage, PushEncryptionError } from "../../../lib/push-encrypt.js";
import { createHttp2Client } from "../net/http2-client.js";
import { AUTH_BYTES, type AnswerBatch, P256DH_BYTES, packAnswers, type PushRoute, type SenderBatch, type ThreadOutcome } from "./protocol.js";
import { threadMailbox } from "../net/thread-mailbox.js";

const port = parentPort!;
// Answers go back once per turn of this thread, however many, packed.
const answer = threadMailbox<ThreadOutcome>((batch) => port.postMessage(packAnswers(batch) satisfies AnswerBatch), Infinity).post;

const client = createHttp2Client(answer);

/** Routes this thread was given, by id; each keeps one headers object whose `:path` is set per message. */
const routes = new Map<number, PushRoute>();

port.on("message", (batch: SenderBatch) => {
  for (const [id, route] of batch.routes) routes.set(id, route);
  const { ids, routeIds, paths, ends, bytes } = batch;
  let start = 0;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    const end = ends[k]!;
    const keys = { p256dh: bytes.subarray(start, start + P256DH_BYTES), auth: bytes.subarray(start + P256DH_BYTES, start + P256DH_BYTES + AUTH_BYTES) };
    const plaintext = bytes.subarray(start + P256DH_BYTES + AUTH_BYTES, end);
    start = end;
    let body: Uint8Array;
    try {
      body = encryptPushMessage(plaintext, keys);
    } catch (error) {
      answer({ id, error: (error as Error).message, ...(error instanceof PushEncryptionError ? { encryption: true as const } : {}) });
      continue;
    }
    const route = routes.get(routeIds[k]!);
    if (!route) {
      answer({ id, error: `route ${routeIds[k]} unknown to this sender thread` });
      continue;
    }
    // Node copies the headers inside request() before it returns: one object per route serves all.
    route.headers[":path"] = paths[k]!;
    try {
      client.send(route, id, route.headers, body);
    } catch (error) {
      answer({ id, error: (error as Error).message });
    }
  }
  for (const id of batch.cancels) client.cancel(id);
  for (const id of batch.forget) routes.delete(id);
});
