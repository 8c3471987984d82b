import type { Store } from "../store/index.js";
import { loadSecrets, type ServerSecrets } from "./bootstrap.js";
import type { AnyChannel } from "./channels/define.js";
import type { PushTransport } from "./channels/services.js";
import { createChannelRegistry, type ChannelRegistry } from "./channels/registry.js";
import { createAddressLinks } from "./addresses/links.js";
import { type Clock, systemClock } from "./clock.js";
import { batchLoader } from "./batch-loader.js";
import { createGroupCommit } from "./group-commit.js";
import { createDelivery } from "./delivery.js";
import { createMessageComposer } from "./message-composer.js";
import { createApp } from "./http/app.js";
import { newId } from "./ids.js";
import { createIngest } from "./ingest.js";
import { jsonLogger, type KnownSecrets, type Logger, maskingLogger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createSendContext } from "./channels/send-context.js";
import { type BackoffPolicy, backoffFromEnv, resolveBackoff } from "./outbox/backoff.js";
import { createOutbox, DEFAULT_LEASE_MS, type Outbox } from "./outbox/worker.js";
import { createPlanHandler } from "./plan-handler.js";
import { createPlanPartHandler, ONE_PROCESS_PLAN_PARTS, type PlanPartOptions } from "./plan-parts.js";
import { createPluginHandler, pluginLane } from "./plugin-handler.js";
import { inLanes } from "./outbox/lanes.js";
import { eventDocument } from "./planner.js";
import type { HeraldPlugin } from "./plugins.js";
import { createLocalHub, type RealtimeHub } from "./realtime/hub.js";
import { createRealtime, type ReadAllPaging, type Realtime } from "./realtime/service.js";
import type { UpgradeWebSocket } from "hono/ws";
import { ttlCache } from "./cache.js";
import { createConfiguration, type HeraldCaches } from "./configuration.js";
import { loadVapidKeys } from "./push/vapid.js";
import { pushEndpointPolicy } from "./push/subscription.js";
import { issueToken } from "./auth/subscriber-token.js";
import { unsubscribeUrl } from "./auth/unsubscribe-link.js";
import { createProviderReports } from "./provider-reports.js";
import { createHousekeeping, type HousekeepingBudget, type HousekeepingReport, retentionFromEnv } from "./housekeeping.js";
import { loadAdminSecrets, PROCESS_SECRET_HELP, type SecretHelp } from "./admin/bootstrap.js";
import { loginLimitFromEnv } from "./admin/login-limit.js";
import { parseAllowedOrigins } from "./http/cors.js";
import { clientAddress, trustedProxiesFromEnv } from "./net/client-address.js";
import type { GetConnInfo } from "hono/conninfo";
import { createStatusEvents, type StatusEvents } from "./status-webhooks/emitter.js";
import { secretBox } from "./status-webhooks/secret-box.js";
import { createStatusWebhookSender } from "./status-webhooks/sender.js";

export interface HeraldOptions {
  store: Store;
  /** Environment (process.env, Deno.env, Worker bindings): channel config and HERALD_* settings. */
  env: Record<string, string | undefined>;
  channels: AnyChannel[];
  clock?: Clock;
  logger?: Logger;
  /** A runtime's own way to encrypt and send web push (Node: sender threads); without it, the push channel uses fetch. */
  pushTransport?: PushTransport;
  fetch?: typeof fetch;
  /**
   * DNS lookup for the SSRF guard, checked before each call: only for a runtime whose `fetch` cannot
   * check the addresses it connects to (Node's does; see OutboundOptions.resolveHost).
   */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Overrides every channel's retry schedule (after HERALD_RETRY_*). */
  backoff?: Partial<BackoffPolicy>;
  plugins?: HeraldPlugin[];
  /** Plugin jobs one run of the outbox handles at most (Workers: a queue batch's budget); the rest run next. Unbounded by default. */
  pluginJobsPerRun?: number;
  /** Live fan-out; the in-process hub by default (Workers pass Durable Objects). */
  hub?: RealtimeHub;
  upgradeWebSocket?: UpgradeWebSocket;
  /** Static files by URL path (`/sdk/herald.js`, `/demo/index.html`, …). */
  assets?: Record<string, { body: string; type: string }>;
  /** Static files kept outside the process (Workers assets), for the paths the app serves itself (`/sdk/*`). */
  fetchAsset?: (request: Request) => Promise<Response>;
  outbox?: { concurrency?: number; leaseMs?: number; idleMs?: number };
  /**
   * Plan large audiences in bounded parts (core/plan-parts.ts) rather than whole in one job: what
   * Workers need, where every invocation's work must stay bounded. Unset: ONE_PROCESS_PLAN_PARTS.
   */
  planParts?: PlanPartOptions;
  maxBodyBytes?: number;
  /** The address the runtime listens on, for links when HERALD_PUBLIC_URL is unset. */
  publicUrl?: () => string;
  /** How a read-all is cut into pages (core/realtime/service.ts; Workers size it to their query budget). */
  readAll?: ReadAllPaging;
  /** How much one housekeeping run may delete (Workers pass a smaller budget for D1). */
  housekeeping?: Partial<HousekeepingBudget>;
  /** Where this runtime shows a generated secret and how one sets one's own (the login page says it). */
  secretHelp?: SecretHelp;
  /**
   * Who the peer of a request is, as Hono's adapters tell it (`@hono/node-server/conninfo`,
   * `hono/deno`; Workers read `cf-connecting-ip`). Without it every client shares one login budget.
   */
  getConnInfo?: GetConnInfo;
}

export interface Herald {
  /** Deletes expired sessions and, past the retention age, old rows: the Worker cron and a timer on Node and Deno call it every minute. */
  housekeeping(): Promise<HousekeepingReport>;
  app: ReturnType<typeof createApp>;
  outbox: Outbox;
  store: Store;
  secrets: ServerSecrets;
  channels: ChannelRegistry;
  metrics: Metrics;
  /** Identifies this process's outbox leases. */
  instanceId: string;
  realtime: Realtime;
  hub: RealtimeHub;
  /** What `POST /v1/events` calls once the request is valid: resolves when the event is durable. */
  acceptEvent: ReturnType<typeof createIngest>["accept"];
  /** Where delivery-status webhooks are queued. */
  statusEvents: StatusEvents;
}

/** The retry schedule status webhooks use (the backoff key; no channel has this id). */
const STATUS_WEBHOOK_SCHEDULE = "status-webhooks";
/** The retry schedule of plugin jobs (the backoff key; no channel has this id). */
const PLUGIN_JOB_SCHEDULE = "plugin-jobs";

/** Wires the engine from what a runtime passes in. No I/O of its own beyond the store and fetch given. */
export async function createHerald(options: HeraldOptions): Promise<Herald> {
  const { store, env } = options;
  const clock = options.clock ?? systemClock;
  // Read first: a malformed HERALD_RETRY_* or retention setting stops the start before anything is written.
  const retry = backoffFromEnv(env);
  const retention = retentionFromEnv(env);
  const allowedOrigins = parseAllowedOrigins(env.HERALD_ALLOWED_ORIGINS);
  // Filled once the channels are configured: their secret fields by name and by value.
  const channelSecrets: KnownSecrets = { names: [], values: [] };
  const logger = maskingLogger(options.logger ?? jsonLogger(), channelSecrets);
  const metrics = createMetrics();
  const hub = options.hub ?? createLocalHub();
  const realtime = createRealtime({ store, hub, clock, logger, readAll: options.readAll });
  const secrets = await loadSecrets(store, env);
  const vapid = await loadVapidKeys(store, env);
  const adminSecrets = await loadAdminSecrets(store, env);
  // Printed once, on every runtime (Workers: the log stream): only its hash is stored. Set HERALD_ADMIN_PASSWORD to choose your own.
  if (adminSecrets.generatedPassword) console.log(`\n  Herald admin password for /admin/ (shown once, store it now): ${adminSecrets.generatedPassword}\n`);
  // Links in messages (unsubscribe, provider callbacks) must be absolute and reachable from outside.
  const publicUrl = () => (env.HERALD_PUBLIC_URL || options.publicUrl?.() || `http://127.0.0.1:${env.PORT ?? 8787}`).replace(/\/+$/, "");
  const addressLinks = createAddressLinks({
    store,
    clock,
    secret: secrets.tokenKey,
    // Read when a link is redeemed, after the registry below exists.
    fieldOf(channelId) {
      const declared = channels.get(channelId)?.definition.addressField;
      return declared ? { field: declared.field, check: (address) => declared.schema.safeParse(address).success } : undefined;
    },
  });
  // Pushes sent together read subscriptions and unread counts with one query each, not one per message.
  const pushTargets = batchLoader((ids: string[]) => store.pushSubscriptions.ofMany(ids));
  const unreadCounts = batchLoader((ids: string[]) => store.inbox.unreadCounts(ids));
  const pushSuccesses = createGroupCommit<string[]>(async (lists) => store.pushSubscriptions.succeeded(lists.flat(), clock.now()));
  const channels = createChannelRegistry(options.channels, env, {
    addresses: addressLinks.service,
    realtime: {
      // The in-app channel's send from a job (a delayed step, a retry): a repeat finds the item there and appends nothing.
      deliverNotification: async (subscriberId, item) => void (await realtime.appendAndPublish([{ subscriberId, type: "notification", ...item }])),
    },
    push: {
      vapid,
      subscriptions: async (subscriberId) => (await pushTargets(subscriberId)) ?? [],
      remove: (endpoint) => store.pushSubscriptions.remove(endpoint),
      succeeded: (endpoints) => pushSuccesses.submit(endpoints),
      unreadCount: async (subscriberId) => (await unreadCounts(subscriberId)) ?? 0,
      receiptToken: (subscriberId, ttlSeconds) => {
        const now = clock.now();
        return issueToken(secrets.tokenKey, { sub: subscriberId, exp: Math.floor(now / 1000) + ttlSeconds, scope: "receipts", iat: now });
      },
      ...(options.pushTransport ? { transport: options.pushTransport } : {}),
    },
    links: { publicUrl, webhook: (channelId) => `${publicUrl()}/v1/channels/${channelId}/webhook` },
  });
  Object.assign(channelSecrets, channels.secrets());
  const plugins = options.plugins ?? [];
  const instanceId = newId("inst");
  // Rules and templates are read for every event; they change rarely. See cache.ts for staleness.
  const cacheOptions = { ttlMs: Number(env.HERALD_CONFIG_CACHE_MS ?? 1000), now: () => clock.now() };
  const caches: HeraldCaches = {
    rules: ttlCache((type) => store.rules.enabledFor(type), cacheOptions),
    templates: ttlCache((key) => store.templates.get(key), cacheOptions),
  };
  const sendContext = createSendContext({ fetch: options.fetch, allowPrivateNetwork: env.HERALD_ALLOW_PRIVATE_NETWORK === "1", resolveHost: options.resolveHost, clock, logger });
  // Delivery-status webhooks to the business app (core/status-webhooks/): queued by the handlers below.
  // `outbox` is made below; the wake is only called later, from requests.
  const statusEvents = createStatusEvents({ store, clock, logger, ttlMs: cacheOptions.ttlMs, wake: () => outbox.wake() });
  const box = secretBox(secrets.tokenKey);
  const composer = createMessageComposer({
    store,
    channels,
    templates: caches.templates,
    unsubscribeUrl: (subscriberId, channel) => unsubscribeUrl(secrets.tokenKey, publicUrl(), subscriberId, channel, clock.now()),
  });
  // Each channel's retry schedule: its declaration, then HERALD_RETRY_*, then options.backoff.
  const schedules = new Map<string, BackoffPolicy>();
  const backoff = (channelId: string) => {
    let schedule = schedules.get(channelId);
    if (!schedule) schedules.set(channelId, (schedule = resolveBackoff(channels.get(channelId)?.definition.retry, { ...retry.overrides, ...options.backoff }, retry.timeScale)));
    return schedule;
  };
  // One run per delivery: the outbox's `deliver` jobs, and in-app steps due at once inside the accepting commit.
  const delivery = createDelivery({ composer, store, clock, logger, channels, metrics, backoff, sendContext, statusEvents, realtime, rules: caches.rules });
  const direct = delivery.direct;
  const parts = options.planParts ?? ONE_PROCESS_PLAN_PARTS;
  const outbox = createOutbox({
    store,
    clock,
    logger,
    owner: instanceId,
    ...options.outbox,
    handlers: {
      deliver: { each: delivery.job },
      plan: { batch: createPlanHandler({ store, clock, logger, rules: caches.rules, parts }) },
      "plan-part": { batch: createPlanPartHandler({ store, clock, logger, rules: caches.rules, options: parts, direct }) },
      // A plugin with an ordering key sees one key's events in the order they were accepted. A plugin
      // that throws is retried on the deliveries' schedule (HERALD_RETRY_* apply), then its job is dead.
      plugin: {
        batch: inLanes(createPluginHandler({ store, clock, realtime, plugins }), {
          store,
          clock,
          logger,
          owner: instanceId,
          leaseMs: options.outbox?.leaseMs ?? DEFAULT_LEASE_MS,
          limit: options.pluginJobsPerRun,
          retries: { policy: backoff(PLUGIN_JOB_SCHEDULE) },
        }),
      },
      // Their own schedule key: the default schedule (outlasting a day-long outage) with HERALD_RETRY_* overrides.
      webhook: { each: createStatusWebhookSender({ store, clock, logger, sendContext, box, backoff: () => backoff(STATUS_WEBHOOK_SCHEDULE) }) },
    },
  });

  const ingest = createIngest({
    store,
    metrics,
    logger,
    rules: caches.rules,
    pluginEventTypes: new Set(plugins.flatMap((p) => p.events)),
    pluginLane: (event) => pluginLane(plugins, eventDocument(event)),
    direct,
    onCommitted: () => outbox.wake(),
  });
  const app = createApp({
    store,
    clock,
    logger,
    metrics,
    channels,
    secrets,
    acceptEvent: ingest.accept,
    configuration: createConfiguration({ store, clock, caches }),
    maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
    realtime,
    hub,
    upgradeWebSocket: options.upgradeWebSocket,
    assets: options.assets ?? {},
    fetchAsset: options.fetchAsset,
    allowedOrigins,
    push: { publicKey: vapid.publicKey, policy: pushEndpointPolicy(env) },
    publicUrl,
    sendContext,
    addressLinks,
    applyProviderReports: createProviderReports({ store, clock, logger, wake: () => outbox.wake(), statusEvents }),
    statusWebhooks: { box, events: statusEvents, allowPrivateNetwork: env.HERALD_ALLOW_PRIVATE_NETWORK === "1" },
    wakeOutbox: () => outbox.wake(),
    admin: {
      verifyPassword: adminSecrets.verify,
      loginLimit: loginLimitFromEnv(env),
      password: { from: adminSecrets.from, ...(options.secretHelp ?? PROCESS_SECRET_HELP) },
    },
    clientAddress: clientAddress(options.getConnInfo, trustedProxiesFromEnv(env.HERALD_TRUSTED_PROXIES)),
  });
  const housekeeping = createHousekeeping({ store, clock, logger, retention, budget: options.housekeeping });
  return { app, outbox, store, secrets, channels, metrics, instanceId, realtime, hub, acceptEvent: ingest.accept, housekeeping, statusEvents };
}
