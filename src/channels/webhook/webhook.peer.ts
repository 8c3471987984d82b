/**
 * A receiver of Standard Webhooks: verifies `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` with the reference library (`standardwebhooks`, independent of Herald's
 * signer), answers 401 to a bad or missing signature and 400 to a body that is not JSON, 204 to a
 * good one, and records what it accepted. Repeats of an id are accepted (a receiver must answer 2xx
 * to a retry of a message it already has) but recorded once, as a receiver de-duplicating by id does.
 * Test knobs make it fail on purpose: a script of next answers, or a status for every request.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { nextStep, readBody, type ScriptStep } from "../shared/scripted.peer.js";

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  path: string;
  body: unknown;
  raw: string;
  at: number;
}

export interface WebhookPeer {
  url: string;
  /** Messages accepted, each id once, in order of first arrival. */
  received: ReceivedWebhook[];
  /** Every request with a valid signature, repeats included: what arrived, and the answer given. */
  requests: { id: string; status: number; at: number }[];
  /** Requests refused for their signature or timestamp. */
  refused: { reason: string; at: number }[];
  script: ScriptStep[];
  /** Answer every request with this status until cleared (a receiver down for a while). */
  failWith?: number;
  /** Trust this secret from now on (a status webhook endpoint's secret is known only once it is registered). */
  trust(secret: string): void;
  close(): Promise<void>;
}

/** Starts a receiver that trusts `secret` (`whsec_…`); without one it refuses everything until `trust` is called. */
export async function startWebhookPeer(secret?: string): Promise<WebhookPeer> {
  let verifier: Webhook | undefined = secret ? new Webhook(secret) : undefined;
  const peer = {
    received: [] as ReceivedWebhook[],
    requests: [] as WebhookPeer["requests"],
    refused: [] as WebhookPeer["refused"],
    script: [] as ScriptStep[],
    failWith: undefined as number | undefined,
  };
  const seen = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const at = Date.now();
    const step = await nextStep(peer);
    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    let body: unknown;
    try {
      if (!verifier) throw new Error("no secret trusted yet");
      body = verifier.verify(raw, headers);
    } catch (error) {
      const reason = (error as Error).message;
      peer.refused.push({ reason, at });
      // A body that verifies but is not JSON makes the reference throw a SyntaxError.
      const status = error instanceof SyntaxError ? 400 : 401;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: reason }));
      return;
    }
    const id = headers["webhook-id"];
    const status = step?.status ?? peer.failWith;
    if (status && (status < 200 || status > 299)) {
      peer.requests.push({ id, status, at });
      res.writeHead(status, { "content-type": "application/json", ...(step?.retryAfter ? { "retry-after": step.retryAfter } : {}) });
      res.end(JSON.stringify({ error: `scripted ${status}` }));
      return;
    }
    peer.requests.push({ id, status: 204, at });
    if (!seen.has(id)) {
      seen.add(id);
      peer.received.push({ id, timestamp: Number(headers["webhook-timestamp"]), path: req.url ?? "/", body, raw, at });
    }
    res.writeHead(204);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, {
    url,
    trust: (next: string) => void (verifier = new Webhook(next)),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
