import { systemClock, type Clock } from "../clock.js";
import { silentLogger, type Logger } from "../logger.js";
import { createHostGuard, createOutboundFetch, type OutboundOptions } from "../net/outbound.js";
import type { SendContext } from "./define.js";

/** What channels get to reach the outside: fetch with timeouts and the SSRF guard, for fetch and for sockets. */
export function createSendContext(options: OutboundOptions & { clock?: Clock; logger?: Logger }): SendContext {
  return {
    fetch: createOutboundFetch(options),
    checkHost: createHostGuard(options),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  };
}
