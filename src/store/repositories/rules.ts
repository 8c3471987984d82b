import { and, asc, eq } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import type { RuleDocument } from "../documents.js";
import { rules } from "../schema.js";

export interface RuleRecord {
  id: string;
  body: RuleDocument;
  enabled: boolean;
  updatedAt: number;
}

function toRecord(row: typeof rules.$inferSelect): RuleRecord {
  return { id: row.id, body: row.body as RuleDocument, enabled: row.enabled, updatedAt: row.updatedAt };
}

export function rulesRepository(db: HeraldDb) {
  return {
    async put(id: string, body: RuleDocument, now: number): Promise<RuleRecord> {
      const enabled = body.enabled ?? true;
      const row = await db
        .insert(rules)
        .values({ id, eventType: body.event, enabled, body, updatedAt: now })
        .onConflictDoUpdate({ target: rules.id, set: { eventType: body.event, enabled, body, updatedAt: now } })
        .returning()
        .get();
      return toRecord(row);
    },
    async get(id: string): Promise<RuleRecord | undefined> {
      const row = await db.select().from(rules).where(eq(rules.id, id)).get();
      return row && toRecord(row);
    },
    async delete(id: string): Promise<boolean> {
      return (await db.delete(rules).where(eq(rules.id, id)).returning().all()).length > 0;
    },
    async list(): Promise<RuleRecord[]> {
      return (await db.select().from(rules).orderBy(asc(rules.id)).all()).map(toRecord);
    },
    async enabledFor(eventType: string): Promise<RuleRecord[]> {
      const rows = await db
        .select()
        .from(rules)
        .where(and(eq(rules.eventType, eventType), eq(rules.enabled, true)))
        .orderBy(asc(rules.id))
        .all();
      return rows.map(toRecord);
    },
  };
}
