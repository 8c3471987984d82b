import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { adminLoginAttempts, adminSessions } from "../schema.js";

export type AdminSessionRow = typeof adminSessions.$inferSelect;

/** Admin UI sessions (stored in the database so every process and Worker isolate sees them) and login throttling. */
export function adminSessionsRepository(db: HeraldDb) {
  return {
    async create(row: AdminSessionRow): Promise<void> {
      // Expired sessions go when new ones come: no timer needed on any runtime.
      await db.delete(adminSessions).where(lt(adminSessions.expiresAt, row.createdAt));
      await db.insert(adminSessions).values(row);
    },
    /** The live session with this hash, if any. */
    find(idHash: string, now: number): Promise<AdminSessionRow | undefined> {
      return db
        .select()
        .from(adminSessions)
        .where(and(eq(adminSessions.idHash, idHash), gt(adminSessions.expiresAt, now)))
        .get();
    },
    async delete(idHash: string): Promise<void> {
      await db.delete(adminSessions).where(eq(adminSessions.idHash, idHash));
    },
    /**
     * Counts one more login attempt for `key` in the current window (a new window when the last one
     * ended) and returns the count with the window's start. Counting before the password is checked,
     * in one statement, means parallel guesses cannot slip past the limit.
     */
    async countAttempt(key: string, now: number, windowMs: number): Promise<{ failures: number; windowStart: number }> {
      const row = await db
        .insert(adminLoginAttempts)
        .values({ key, failures: 1, windowStart: now })
        .onConflictDoUpdate({
          target: adminLoginAttempts.key,
          set: {
            failures: sql`CASE WHEN ${adminLoginAttempts.windowStart} <= ${now - windowMs} THEN 1 ELSE ${adminLoginAttempts.failures} + 1 END`,
            windowStart: sql`CASE WHEN ${adminLoginAttempts.windowStart} <= ${now - windowMs} THEN ${now} ELSE ${adminLoginAttempts.windowStart} END`,
          },
        })
        .returning()
        .get();
      return { failures: row.failures, windowStart: row.windowStart };
    },
    /** Housekeeping: sessions past their expiry, and attempt windows that ended before `windowsEndedBefore`. */
    async deleteStale(now: number, windowsEndedBefore: number): Promise<void> {
      await db.delete(adminSessions).where(lt(adminSessions.expiresAt, now));
      await db.delete(adminLoginAttempts).where(lt(adminLoginAttempts.windowStart, windowsEndedBefore));
    },
    /** Takes one attempt back (a successful login, which is not a guess against the account). */
    async refundAttempt(key: string): Promise<void> {
      await db
        .update(adminLoginAttempts)
        .set({ failures: sql`MAX(${adminLoginAttempts.failures} - 1, 0)` })
        .where(eq(adminLoginAttempts.key, key));
    },
    /** A successful login forgets the client's earlier attempts. */
    async clearAttempts(key: string): Promise<void> {
      await db.delete(adminLoginAttempts).where(eq(adminLoginAttempts.key, key));
    },
  };
}
