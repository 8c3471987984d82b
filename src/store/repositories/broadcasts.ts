import { desc } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { broadcasts } from "../schema.js";

export type BroadcastRow = typeof broadcasts.$inferSelect;

/** The list of broadcasts made (their progress comes from deliveries, like `GET /v1/broadcasts/{id}`). */
export function broadcastsRepository(db: HeraldDb) {
  return {
    async record(id: string, body: unknown, now: number): Promise<void> {
      await db.insert(broadcasts).values({ id, body, createdAt: now }).onConflictDoNothing();
    },
    list(limit: number): Promise<BroadcastRow[]> {
      return db.select().from(broadcasts).orderBy(desc(broadcasts.createdAt)).limit(limit).all();
    },
  };
}
