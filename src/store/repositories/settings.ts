import { and, eq } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { settings } from "../schema.js";

/** Server-wide values the server makes for itself (hashed API key, signing keys). */
export function settingsRepository(db: HeraldDb) {
  return {
    async get(key: string): Promise<string | undefined> {
      const row = await db.select().from(settings).where(eq(settings.key, key)).get();
      return row?.value;
    },
    /** Stores `value` unless the key exists; returns whichever value won, so racing starts agree. */
    async getOrCreate(key: string, make: () => string): Promise<{ value: string; created: boolean }> {
      const candidate = make();
      const inserted = await db.insert(settings).values({ key, value: candidate }).onConflictDoNothing().returning().all();
      if (inserted.length > 0) return { value: candidate, created: true };
      const existing = await db.select().from(settings).where(eq(settings.key, key)).get();
      return { value: existing!.value, created: false };
    },
    /** Compare-and-set: replaces the value only while it is still `expected`. True when this call replaced it. */
    async replaceIf(key: string, expected: string, value: string): Promise<boolean> {
      const rows = await db.update(settings).set({ value }).where(and(eq(settings.key, key), eq(settings.value, expected))).returning({ key: settings.key }).all();
      return rows.length > 0;
    },
    async set(key: string, value: string): Promise<void> {
      await db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
    },
  };
}
