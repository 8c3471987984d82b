import type { Store } from "../../store/index.js";
import type { ServerSecrets } from "../bootstrap.js";
import type { ChannelRegistry } from "../channels/registry.js";
import type { Clock } from "../clock.js";
import type { AcceptedEvent } from "../../store/repositories/events.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/** What the HTTP routes use. Built once per process by `createHerald`. */
export interface HttpDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  channels: ChannelRegistry;
  secrets: ServerSecrets;
  acceptEvent(event: AcceptedEvent): Promise<void>;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
}

/** Hono context variables set by middleware. */
export type AppEnv = { Variables: { requestId: string } };
