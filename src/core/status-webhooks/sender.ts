import type { Store } from "../../store/index.js";
import type { ClaimedJob } from "../../store/repositories/outbox.js";
import { signWebhook, webhookSigningKey } from "../../lib/standard-webhooks.js";
import type { SendContext } from "../channels/define.js";
import { batchLoader } from "../batch-loader.js";
import type { Clock } from "../clock.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { isOutboundError, parseRetryAfter } from "../net/outbound.js";
import { retryDelay, type BackoffPolicy } from "../outbox/backoff.js";
import type { JobOutcome } from "../outbox/worker.js";
import type { SecretBox } from "./secret-box.js";

/** Per call; a receiver that takes longer is retried like one that is down. */
const TIMEOUT_MS = 10_000;

/**
 * Runs one `webhook` job: POSTs the stored body of one status event to one endpoint, signed with
 * that endpoint's secret (Standard Webhooks; `webhook-id` is the status event id, the same on every
 * attempt). 2xx: sent. Anything else (a non-2xx answer, a timeout, a refused connection) is retried
 * on `backoff` (Retry-After honoured), as Standard Webhooks senders do, since a receiver that
 * answers 400 or 401 is usually being fixed; after the last attempt, or at once for an address the
 * SSRF guard refuses, the message is dead: listed in the admin UI, where it can be sent again.
 */
export function createStatusWebhookSender(deps: { store: Store; clock: Clock; logger: Logger; sendContext: SendContext; box: SecretBox; backoff: () => BackoffPolicy }) {
  const { store, clock, logger } = deps;
  // Signing keys by endpoint id and sealed secret: unsealing costs an AES-GCM decrypt per message otherwise.
  const keys = new Map<string, Promise<CryptoKey>>();
  const keyFor = (endpointId: string, sealed: string) => {
    const cacheKey = `${endpointId}\u0000${sealed}`;
    let key = keys.get(cacheKey);
    if (!key) {
      if (keys.size >= 100) keys.delete(keys.keys().next().value!);
      key = deps.box.open(sealed, endpointId).then(webhookSigningKey);
      key.catch(() => keys.delete(cacheKey));
      keys.set(cacheKey, key);
    }
    return key;
  };

  // The jobs of one batch (a queue batch, an outbox claim) start together and share one query:
  // per job it cost two reads, and on Workers each D1 round trip is what a batch waits on.
  const load = batchLoader((refs: string[]) => store.webhookEndpoints.withEndpoints(refs));

  return async function sendStatusWebhook(job: ClaimedJob): Promise<JobOutcome> {
    const found = await load(job.ref);
    // Deleted endpoint, or a message already settled (a job run twice after a lost lease).
    if (!found || found.message.status !== "pending") return { done: [] };
    const { endpoint, message } = found;

    let failure: { error: string; retryable: boolean; retryAfterMs?: number };
    try {
      const headers = await signWebhook(await keyFor(endpoint.id, endpoint.secret), message.id, Math.floor(clock.now() / 1000), message.payload);
      const response = await deps.sendContext.fetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Herald-Webhooks/1", ...headers },
        body: message.payload,
        timeoutMs: TIMEOUT_MS,
      });
      const text = await response.text().catch(() => "");
      if (response.ok) {
        logger.log("info", "status webhook sent", { endpoint: endpoint.id, message: message.id, type: message.type, attempt: message.attempts + 1 });
        return { done: [store.webhookEndpoints.outcomeStatement(endpoint.id, message.id, { status: "sent", error: null }, clock.now())] };
      }
      failure = { error: `http_${response.status}: ${text.slice(0, 200)}`, retryable: true, retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), clock.now()) };
    } catch (error) {
      const code = isOutboundError(error) ? error.code : "network";
      failure = { error: `${code}: ${errorMessage(error)}`, retryable: code !== "blocked_address" };
    }

    const now = clock.now();
    const attempt = message.attempts + 1;
    const schedule = deps.backoff();
    if (failure.retryable && attempt < schedule.maxAttempts) {
      const wait = retryDelay(schedule, attempt, failure.retryAfterMs);
      logger.log("warn", "status webhook will retry", { endpoint: endpoint.id, message: message.id, attempt, error: failure.error, retryInMs: wait });
      return { retryAt: now + wait, statements: [store.webhookEndpoints.outcomeStatement(endpoint.id, message.id, { status: "pending", error: failure.error }, now)] };
    }
    logger.log("error", "status webhook dead", { endpoint: endpoint.id, message: message.id, attempt, error: failure.error });
    return { done: [store.webhookEndpoints.outcomeStatement(endpoint.id, message.id, { status: "dead", error: failure.error }, now)] };
  };
}
