import { DurableObject } from "cloudflare:workers";
import { systemClock } from "../../../core/clock.js";
import { errorMessage } from "../../../core/errors.js";
import { createRealtime, type Realtime } from "../../../core/realtime/service.js";
import { loggerFor, sharedStore } from "../boot.js";
import { createDurableObjectHub } from "../hub.js";
import { type Env, withTimeout } from "../env.js";
import { CALL_TIMEOUT_MS, type FrameBatch, inboxStub } from "../hub.js";

/** Inbox calls a relay keeps in flight at once: bounded so a 250-subscriber batch is not 250 open calls. */
const PARALLEL = 50;

/**
 * A relay for large fan-outs: takes frames for up to SHARD_BATCH subscribers in one call and hands
 * each subscriber's frames to its inbox object. It holds no state and no sockets; there are
 * FANOUT_SHARDS of them, picked round robin, so their load spreads evenly.
 */
export class FanoutObject extends DurableObject<Env> {
  private realtime?: Realtime;

  /** Returns how many sockets the frames reached. */
  async relay(batch: FrameBatch): Promise<number> {
    // Delivery receipts of the whole batch are recorded together (realtime.delivered batches them).
    const logger = loggerFor(this.env);
    this.realtime ??= createRealtime({ store: sharedStore(this.env), hub: createDurableObjectHub(this.env, logger), clock: systemClock, logger });
    const realtime = this.realtime;
    let reached = 0;
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const [subscriberId, frames] = batch[next++]!;
        try {
          const { sockets, delivered } = await withTimeout(inboxStub(this.env, subscriberId).deliver(frames, { report: true }), CALL_TIMEOUT_MS, `inbox ${subscriberId}`);
          reached += sockets;
          if (delivered.length > 0) realtime.delivered(subscriberId, delivered);
        } catch (error) {
          console.warn(JSON.stringify({ level: "warn", msg: "relay could not reach an inbox", subscriberId, error: errorMessage(error) }));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, batch.length) }, worker));
    return reached;
  }
}
