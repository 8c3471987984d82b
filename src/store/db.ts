import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "./schema.js";

/**
 * The async SQLite database every runtime hands to the store: drizzle over libSQL (Node, Deno) or
 * D1 (Workers). D1 has no interactive transactions, so multi-statement writes always go through
 * one atomic batch (`RunBatch`).
 */
export type HeraldDb = BaseSQLiteDatabase<"async", unknown, typeof schema>;

/** One SQL statement with its bound values, as every driver takes it. */
export interface RawStatement {
  sql: string;
  params: unknown[];
}

/**
 * Runs statements atomically (one transaction). Each runtime supplies it from its driver:
 * libSQL `client.batch(statements, "write")`, D1 `DB.batch(prepared)`. It returns each statement's
 * rows (for `RETURNING`), as objects keyed by column name. Drizzle builds the SQL;
 * executing through the driver directly sidesteps drizzle's D1 batch, which cannot bind raw SQL.
 */
export type RunBatch = (statements: RawStatement[]) => Promise<Record<string, unknown>[][]>;

/** Query builders expose `toSQL()`; raw `db.run(sql)` statements expose `getQuery()`. */
export function toRawStatement(item: BatchItem<"sqlite">): RawStatement {
  const buildable = item as unknown as { toSQL?(): RawStatement; getQuery(): RawStatement };
  const built = buildable.toSQL ? buildable.toSQL() : buildable.getQuery();
  return { sql: built.sql, params: built.params };
}

/** Rows (or ids) per statement's JSON value; bulk inserts also split by bytes (bulk.ts). */
export const ROWS_PER_STATEMENT = 1000;

export function chunks<T>(items: T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
