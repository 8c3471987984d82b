import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "./schema.js";

/**
 * The async SQLite database every runtime hands to the store: drizzle over libSQL (Node, Deno) or
 * D1 (Workers). Both drivers implement `batch`, which runs its statements in one transaction;
 * D1 has no interactive transactions, so the store only ever writes through `batch`.
 */
export type HeraldDb = BaseSQLiteDatabase<"async", unknown, typeof schema> & {
  batch(items: readonly [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]): Promise<unknown[]>;
};

export interface StoreLimits {
  /** Bound parameters allowed in one statement: 100 on D1, 32,766 on libSQL. Multi-row inserts are chunked to fit. */
  maxBoundParameters: number;
}

/** Runs statements atomically; a no-op for none. */
export async function writeAll(db: HeraldDb, items: BatchItem<"sqlite">[]): Promise<void> {
  if (items.length === 0) return;
  await db.batch(items as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/** Splits rows so that one multi-row insert stays under the driver's parameter limit. */
export function chunkRows<T extends object>(rows: T[], limits: StoreLimits): T[][] {
  if (rows.length === 0) return [];
  const perRow = Object.keys(rows[0]!).length || 1;
  const size = Math.max(1, Math.floor(limits.maxBoundParameters / perRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Rows per JSON bulk insert: keeps each bound JSON value well under D1's 2 MB value limit. */
export const ROWS_PER_STATEMENT = 1000;

export function chunks<T>(items: T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
