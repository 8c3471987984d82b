import type { HeraldDb, StoreLimits } from "./db.js";
import { deliveriesRepository } from "./repositories/deliveries.js";
import { eventsRepository } from "./repositories/events.js";
import { outboxRepository } from "./repositories/outbox.js";
import { plansRepository } from "./repositories/plans.js";
import { rulesRepository } from "./repositories/rules.js";
import { settingsRepository } from "./repositories/settings.js";
import { subscribersRepository } from "./repositories/subscribers.js";
import { templatesRepository } from "./repositories/templates.js";

export type { HeraldDb, StoreLimits } from "./db.js";
export { writeAll } from "./db.js";
export { createGroupCommit, type GroupCommit } from "./group-commit.js";

/** All repositories over one database. Runtimes build the drizzle database; the engine gets this. */
export function createStore(db: HeraldDb, limits: StoreLimits) {
  return {
    db,
    limits,
    settings: settingsRepository(db),
    subscribers: subscribersRepository(db),
    templates: templatesRepository(db),
    rules: rulesRepository(db),
    events: eventsRepository(db, limits),
    plans: plansRepository(db, limits),
    outbox: outboxRepository(db),
    deliveries: deliveriesRepository(db),
  };
}

export type Store = ReturnType<typeof createStore>;
