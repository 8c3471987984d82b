import { asc, eq, sql } from "drizzle-orm";
import type { TemplateInput } from "../../core/schemas/template.js";
import type { HeraldDb } from "../db.js";
import { templates } from "../schema.js";

export interface TemplateRecord {
  key: string;
  body: TemplateInput;
  version: number;
  updatedAt: number;
}

export function templatesRepository(db: HeraldDb) {
  return {
    /** Saves a template; every save gets the next version number (renderers cache by key and version). */
    async put(key: string, body: TemplateInput, now: number): Promise<TemplateRecord> {
      const row = await db
        .insert(templates)
        .values({ key, body, version: 1, updatedAt: now })
        .onConflictDoUpdate({ target: templates.key, set: { body, version: sql`${templates.version} + 1`, updatedAt: now } })
        .returning()
        .get();
      return row as TemplateRecord;
    },
    async get(key: string): Promise<TemplateRecord | undefined> {
      return (await db.select().from(templates).where(eq(templates.key, key)).get()) as TemplateRecord | undefined;
    },
    async delete(key: string): Promise<boolean> {
      return (await db.delete(templates).where(eq(templates.key, key)).returning().all()).length > 0;
    },
    async list(): Promise<TemplateRecord[]> {
      return (await db.select().from(templates).orderBy(asc(templates.key)).all()) as TemplateRecord[];
    },
  };
}
