import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import type { TemplateDocument } from "../documents.js";
import { templates, templateVersions } from "../schema.js";

export interface TemplateRecord {
  key: string;
  body: TemplateDocument;
  version: number;
  updatedAt: number;
}

export interface TemplateVersion {
  key: string;
  version: number;
  body: TemplateDocument;
  createdAt: number;
}

export function templatesRepository(db: HeraldDb) {
  return {
    /**
     * Saves a template; every save gets the next version number (renderers cache by key and version)
     * and is kept in `template_versions`, so an admin can restore an earlier one.
     */
    async put(key: string, body: TemplateDocument, now: number): Promise<TemplateRecord> {
      const row = (await db
        .insert(templates)
        .values({ key, body, version: 1, updatedAt: now })
        .onConflictDoUpdate({ target: templates.key, set: { body, version: sql`${templates.version} + 1`, updatedAt: now } })
        .returning()
        .get()) as TemplateRecord;
      // A second statement: a crash between the two loses one history entry, never the template.
      await db
        .insert(templateVersions)
        .values({ key, version: row.version, body, createdAt: now })
        .onConflictDoUpdate({ target: [templateVersions.key, templateVersions.version], set: { body, createdAt: now } });
      return row;
    },
    /**
     * A template under a key no one has used (ad hoc broadcast content), as statements to commit
     * with other writes: version 1 and its history entry. A key already taken is left as it is.
     */
    createStatements(key: string, body: TemplateDocument, now: number): BatchItem<"sqlite">[] {
      return [
        db.insert(templates).values({ key, body, version: 1, updatedAt: now }).onConflictDoNothing(),
        db.insert(templateVersions).values({ key, version: 1, body, createdAt: now }).onConflictDoNothing(),
      ];
    },
    async get(key: string): Promise<TemplateRecord | undefined> {
      return (await db.select().from(templates).where(eq(templates.key, key)).get()) as TemplateRecord | undefined;
    },
    /** Deletes the template and its history (a new template under the key starts again at version 1). */
    async delete(key: string): Promise<boolean> {
      const gone = (await db.delete(templates).where(eq(templates.key, key)).returning().all()).length > 0;
      if (gone) await db.delete(templateVersions).where(eq(templateVersions.key, key));
      return gone;
    },
    async list(): Promise<TemplateRecord[]> {
      return (await db.select().from(templates).orderBy(asc(templates.key)).all()) as TemplateRecord[];
    },
    /** Saved versions, newest first. */
    async versions(key: string, limit = 100): Promise<TemplateVersion[]> {
      return (await db.select().from(templateVersions).where(eq(templateVersions.key, key)).orderBy(desc(templateVersions.version)).limit(limit).all()) as TemplateVersion[];
    },
    async version(key: string, version: number): Promise<TemplateVersion | undefined> {
      return (await db
        .select()
        .from(templateVersions)
        .where(and(eq(templateVersions.key, key), eq(templateVersions.version, version)))
        .get()) as TemplateVersion | undefined;
    },
  };
}
