import type { Store } from "../store/index.js";
import type { RuleDocument, TemplateDocument } from "../store/documents.js";
import type { RuleRecord } from "../store/repositories/rules.js";
import type { TemplateRecord } from "../store/repositories/templates.js";
import type { TtlCache } from "./cache.js";
import type { Clock } from "./clock.js";

/** The engine's read caches of configuration (see cache.ts for staleness across instances). */
export interface HeraldCaches {
  rules: TtlCache<RuleRecord[]>;
  templates: TtlCache<TemplateRecord | undefined>;
}

/**
 * Writing rules and templates: each write also drops what this instance cached about it, so the
 * next event here sees the change at once (other instances within the cache's TTL). Every caller
 * (API, admin, demo) writes through here, so no route has to remember which cache entry to drop.
 */
export function createConfiguration(deps: { store: Store; clock: Clock; caches: HeraldCaches }) {
  const { store, clock, caches } = deps;
  return {
    /** Saves a rule; the rules of its event type (and of the type it had before) are read again. */
    async putRule(id: string, body: RuleDocument): Promise<RuleRecord> {
      const previous = await store.rules.get(id);
      const saved = await store.rules.put(id, body, clock.now());
      caches.rules.invalidate(body.event);
      if (previous) caches.rules.invalidate(previous.body.event);
      return saved;
    },
    /** Deletes a rule; false when there was none. */
    async deleteRule(id: string): Promise<boolean> {
      const previous = await store.rules.get(id);
      if (!previous || !(await store.rules.delete(id))) return false;
      caches.rules.invalidate(previous.body.event);
      return true;
    },
    /** Saves a template as its next version. */
    async putTemplate(key: string, body: TemplateDocument): Promise<TemplateRecord> {
      const saved = await store.templates.put(key, body, clock.now());
      caches.templates.invalidate(key);
      return saved;
    },
    /** Deletes a template and its history; false when there was none. */
    async deleteTemplate(key: string): Promise<boolean> {
      const gone = await store.templates.delete(key);
      caches.templates.invalidate(key);
      return gone;
    },
  };
}

export type Configuration = ReturnType<typeof createConfiguration>;
