/**
 * One sender thread of bench/push-ceiling.ts: takes batches of {id, path, plaintext, p256dh, auth},
 * encrypts each with Herald's push-encrypt.ts and POSTs it to the peer over one HTTP/2 session or an
 * undici HTTP/1.1 keep-alive pool, and answers batches of {id, status}. Nothing else: no timeouts,
 * no SSRF guard, no result mapping. That is the point: it is what the machine allows.
 */
import http2 from "node:http2";
import { parentPort, workerData } from "node:worker_threads";
import { Pool } from "undici";
import { encryptPushMessage } from "../../src/lib/push-encrypt.js";
import { threadMailbox } from "../../src/runtimes/node/net/thread-mailbox.js";

interface Job {
  id: number;
  path: string;
  plaintext: Uint8Array;
  p256dh: Uint8Array;
  auth: Uint8Array;
}
const { url, http1Url, transport, headers } = workerData as { url: string; http1Url: string; transport: "h2" | "h1"; headers: Record<string, string> };

// Answers go back once per turn of this thread, however many.
const answers = threadMailbox<{ id: number; status: number }>((batch) => parentPort!.postMessage(batch), Infinity);
const answer = (id: number, status: number) => answers.post({ id, status });

const session = transport === "h2" ? http2.connect(url, { rejectUnauthorized: false }) : undefined;
const keepAlive = transport === "h1" ? new Pool(http1Url, { connections: 4, connect: { rejectUnauthorized: false } }) : undefined;

parentPort!.on("message", (batch: Job[]) => {
  for (const job of batch) {
    const body = encryptPushMessage(job.plaintext, { p256dh: job.p256dh, auth: job.auth });
    if (keepAlive) {
      keepAlive
        .request({ method: "POST", path: job.path, headers: { ...headers, "content-length": String(body.length) }, body })
        .then(async (response) => {
          await response.body.dump();
          answer(job.id, response.statusCode);
        }, () => answer(job.id, 0));
      continue;
    }
    const stream = session!.request({ ":method": "POST", ":path": job.path, ...headers });
    let status = 0;
    stream.once("response", (h) => (status = Number(h[":status"])));
    stream.on("data", () => {});
    stream.once("end", () => answer(job.id, status));
    stream.once("error", () => answer(job.id, 0));
    stream.end(body);
  }
});
