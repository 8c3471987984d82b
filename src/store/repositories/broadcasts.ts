import { desc } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { broadcasts } from "../schema.js";

export type BroadcastRow = typeof broadcasts.$inferSelect;

/** The list of broadcasts made (their progress comes from deliveries, like `GET /v1/broadcasts/{id}`). */
export function broadcastsRepository(db: HeraldDb) {
  return {
    /** The list entry of a broadcast, as a statement to commit with its event. */
    recordStatement(id: string, body: unknown, now: number): BatchItem<"sqlite"> {
      return db.insert(broadcasts).values({ id, body, createdAt: now }).onConflictDoNothing();
    },
    list(limit: number): Promise<BroadcastRow[]> {
      return db.select().from(broadcasts).orderBy(desc(broadcasts.createdAt)).limit(limit).all();
    },
  };
}
