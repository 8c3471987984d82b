import { type HeraldDb, type RunBatch, toRawStatement } from "./db.js";
import type { BatchItem } from "drizzle-orm/batch";
import { deliveriesRepository } from "./repositories/deliveries.js";
import { eventSearchRepository } from "./repositories/event-search.js";
import { eventsRepository } from "./repositories/events.js";
import { outboxRepository } from "./repositories/outbox.js";
import { jobLanesRepository } from "./repositories/job-lanes.js";
import { deadJobsRepository } from "./repositories/dead-jobs.js";
import { plansRepository } from "./repositories/plans.js";
import { rulesRepository } from "./repositories/rules.js";
import { settingsRepository } from "./repositories/settings.js";
import { subscribersRepository } from "./repositories/subscribers.js";
import { templatesRepository } from "./repositories/templates.js";
import { inboxRepository } from "./repositories/inbox.js";
import { inboxStateRepository } from "./repositories/inbox-state.js";
import { demoRepository } from "./repositories/demo.js";
import { topicsRepository } from "./repositories/topics.js";
import { pushSubscriptionsRepository } from "./repositories/push-subscriptions.js";
import { preferencesRepository, suppressionsRepository } from "./repositories/preferences.js";
import { adminSessionsRepository } from "./repositories/admin-sessions.js";
import { statsRepository } from "./repositories/stats.js";
import { broadcastsRepository } from "./repositories/broadcasts.js";
import { subscriberSearchRepository } from "./repositories/subscriber-search.js";
import { subscriberAddressesRepository } from "./repositories/subscriber-addresses.js";
import { retentionRepository } from "./repositories/retention.js";
import { workflowRepository } from "./repositories/workflow.js";
import { webhookEndpointsRepository } from "./repositories/webhook-endpoints.js";

export type { HeraldDb, RunBatch, RawStatement } from "./db.js";

/** All repositories over one database. Runtimes build the drizzle database; the engine gets this. */
export function createStore(db: HeraldDb, runBatch: RunBatch) {
  /** Runs drizzle-built statements atomically (nothing for none); returns each one's RETURNING rows. */
  const write = async (items: BatchItem<"sqlite">[]): Promise<Record<string, unknown>[][]> => (items.length > 0 ? runBatch(items.map(toRawStatement)) : []);
  return {
    db,
    write,
    settings: settingsRepository(db),
    subscribers: subscribersRepository(db, write),
    templates: templatesRepository(db),
    rules: rulesRepository(db),
    events: eventsRepository(db),
    plans: plansRepository(db),
    outbox: outboxRepository(db),
    jobLanes: jobLanesRepository(db),
    deadJobs: deadJobsRepository(db, write),
    deliveries: deliveriesRepository(db),
    inbox: inboxRepository(db),
    inboxState: inboxStateRepository(db),
    demo: demoRepository(db),
    topics: topicsRepository(db),
    pushSubscriptions: pushSubscriptionsRepository(db),
    preferences: preferencesRepository(db),
    suppressions: suppressionsRepository(db),
    adminSessions: adminSessionsRepository(db),
    stats: statsRepository(db, write),
    broadcasts: broadcastsRepository(db),
    subscriberSearch: subscriberSearchRepository(db),
    eventSearch: eventSearchRepository(db),
    subscriberAddresses: subscriberAddressesRepository(db),
    retention: retentionRepository(db, write),
    workflow: workflowRepository(db, write),
    webhookEndpoints: webhookEndpointsRepository(db, write),
  };
}

export type Store = ReturnType<typeof createStore>;
