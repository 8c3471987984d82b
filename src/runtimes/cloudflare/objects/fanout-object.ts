import { DurableObject } from "cloudflare:workers";
import { systemClock } from "../../../core/clock.js";
import { errorMessage } from "../../../core/errors.js";
import { createRealtime, type Realtime } from "../../../core/realtime/service.js";
import { loggerFor, sharedStore } from "../boot.js";
import { profileOf } from "../budget.js";
import { createDurableObjectHub } from "../hub.js";
import { type Env, withTimeout } from "../env.js";
import { CALL_TIMEOUT_MS, fanOut, type FrameBatch, inboxStub, relayPicker } from "../hub.js";
import { metered, meteredEnv } from "../meter.js";

/** Inbox calls a relay keeps in flight at once: bounded so a 250-subscriber batch is not 250 open calls. */
const PARALLEL = 50;

/**
 * A relay for large fan-outs: takes frames for many subscribers in one call and hands each
 * subscriber's frames to its inbox object, or, given more than `relayBatch` subscribers, hands
 * slices of them to other relays (hub.ts: fanOut), so no relay makes more calls than its budget
 * allows. It holds no state and no sockets; there are FANOUT_SHARDS of them, picked in turn.
 */
export class FanoutObject extends DurableObject<Env> {
  private realtime?: Realtime;

  /** Returns how many sockets the frames reached. */
  async relay(batch: FrameBatch): Promise<number> {
    const env = meteredEnv(this.env);
    return metered(env, "relay", `relay ${batch.length}`, async () => {
      const limits = profileOf(env).fanout;
      if (batch.length > limits.relayBatch) return this.split(env, batch, limits);
      // Delivery receipts of the whole batch are recorded together (realtime.delivered batches them).
      const logger = loggerFor(env);
      this.realtime ??= createRealtime({ store: sharedStore(env), hub: createDurableObjectHub(env, logger), clock: systemClock, logger });
      const realtime = this.realtime;
      let reached = 0;
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const [subscriberId, frames] = batch[next++]!;
          try {
            const { sockets, delivered } = await withTimeout(inboxStub(env, subscriberId).deliver(frames, { report: true, listed: subscriberId }), CALL_TIMEOUT_MS, `inbox ${subscriberId}`);
            reached += sockets;
            if (delivered.length > 0) realtime.delivered(subscriberId, delivered);
          } catch (error) {
            console.warn(JSON.stringify({ level: "warn", msg: "relay could not reach an inbox", subscriberId, error: errorMessage(error) }));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, batch.length) }, worker));
      return reached;
    });
  }

  /** More subscribers than one relay calls: slices for other relays, the sockets they reached summed. */
  private async split(env: Env, batch: FrameBatch, limits: ReturnType<typeof profileOf>["fanout"]): Promise<number> {
    const calls: Promise<number>[] = [];
    const pick = relayPicker(env, this.ctx.id.toString());
    fanOut(env, batch, { ...limits, direct: 0 }, pick, (what, call) => {
      calls.push(
        withTimeout(call as Promise<number>, CALL_TIMEOUT_MS, what).catch((error) => {
          console.warn(JSON.stringify({ level: "warn", msg: "relay could not reach a relay", relay: what, error: errorMessage(error) }));
          return 0;
        }),
      );
    });
    return (await Promise.all(calls)).reduce((a, b) => a + b, 0);
  }
}
