/**
 * The HTTP/2 connection thread (http2.ts starts it): holds the connections of one Node fetch and
 * runs its requests, so that the ~80-100 µs of CPU per stream (nghttp2, TLS, stream objects) is
 * not spent on the event loop. Takes batches of requests and cancels; answers in batches, once per
 * turn of this thread.
 */
import { parentPort } from "node:worker_threads";
import { createHttp2Client, type Exchange, type Outcome } from "./http2-client.js";
import { threadMailbox } from "./thread-mailbox.js";

/** What the event loop posts to this thread, in batches. */
export type ThreadRequest = Exchange | { cancel: number };

const port = parentPort!;
const answer = threadMailbox<Outcome>((batch) => port.postMessage(batch), Infinity).post;
const client = createHttp2Client(answer);

port.on("message", (batch: ThreadRequest[]) => {
  for (const message of batch) {
    if ("cancel" in message) client.cancel(message.cancel);
    else client.request(message);
  }
});
