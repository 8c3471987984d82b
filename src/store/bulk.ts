import { type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { ROWS_PER_STATEMENT } from "./db.js";

/**
 * Many rows in one statement with ONE bound parameter: the rows as a JSON array, unpacked by
 * SQLite's `json_each`. Against one `VALUES (?, ?, …)` tuple per row this costs the same to build
 * for 1 row or 5,000 (drizzle's builder visits every value), and it stays inside D1's limit of
 * 100 bound parameters per statement. libSQL and D1 both ship SQLite's JSON functions.
 *
 * Answers as many statements as it takes to keep each bound JSON value within `ROWS_PER_STATEMENT`
 * rows and `BYTES_PER_STATEMENT` bytes: D1 refuses a value over 2,000,000 bytes, and 32 events of
 * the 64 KiB `data` Herald accepts already make one.
 */
export function insertJsonRows<T extends Record<string, unknown>>(table: SQLiteTable, rows: T[], options: { onConflictDoNothing: boolean }): SQL[] {
  if (rows.length === 0) return [];
  const keys = Object.keys(rows[0]!);
  const cacheKey = `${keys.join(",")}|${options.onConflictDoNothing}`;
  let byKeys = statementHeads.get(table);
  if (!byKeys) statementHeads.set(table, (byKeys = new Map()));
  let head = byKeys.get(cacheKey);
  if (!head) byKeys.set(cacheKey, (head = statementHead(table, keys, options.onConflictDoNothing)));
  // A key missing from a row reads as NULL (`->>` of an absent path), like an explicit null.
  return jsonArrays(rows).map((json) => sql`${head.insert}${json}${head.tail}`);
}

/** UTF-8 bytes per bound JSON value: half of D1's 2,000,000-byte limit on a value. */
export const BYTES_PER_STATEMENT = 1_000_000;

const utf8 = new TextEncoder();

/**
 * The rows as JSON arrays of at most ROWS_PER_STATEMENT rows and BYTES_PER_STATEMENT bytes each:
 * what a statement binding its rows as one JSON value (`json_each`) binds.
 */
export function jsonArrays(rows: Record<string, unknown>[]): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long rows need counting.
    const size = json.length * 3 < 4096 ? json.length * 3 : utf8.encode(json).length;
    if (part.length > 0 && (part.length === ROWS_PER_STATEMENT || bytes + size + 1 > BYTES_PER_STATEMENT)) {
      out.push(`[${part.join(",")}]`);
      part = [];
      bytes = 2;
    }
    part.push(json);
    bytes += size + 1;
  }
  out.push(`[${part.join(",")}]`);
  return out;
}

/** The SQL around the JSON parameter depends only on the table and the row keys: built once, kept. */
const statementHeads = new WeakMap<SQLiteTable, Map<string, { insert: SQL; tail: SQL }>>();

function statementHead(table: SQLiteTable, keys: string[], onConflictDoNothing: boolean): { insert: SQL; tail: SQL } {
  const config = getTableConfig(table);
  const columns = keys.map((key) => {
    const column = config.columns.find((c) => c.name === toColumnName(key, config.columns));
    if (!column) throw new Error(`insertJsonRows: ${config.name} has no column for "${key}"`);
    return column;
  });
  const picks = keys.map((key, i) => {
    // JSON columns are stored as text: `->>` gives an object's JSON text, a scalar's SQL value.
    const path = `'$.${key}'`;
    return columns[i]!.dataType === "json" ? `json(value -> ${path})` : `value ->> ${path}`;
  });
  return {
    insert: sql.raw(`INSERT INTO "${config.name}" (${columns.map((c) => `"${c.name}"`).join(", ")}) SELECT ${picks.join(", ")} FROM json_each(`),
    tail: sql.raw(`) WHERE true${onConflictDoNothing ? " ON CONFLICT DO NOTHING" : ""}`),
  };
}

/** `id IN (…)` for any number of ids, with one bound parameter. */
export function inJsonArray(column: SQL | { name: string }, ids: string[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/**
 * `inJsonArray` for a prepared query: the ids come later, as `JSON.stringify(ids)` bound to
 * `name`. Queries on the path of every event are built once this way; building a drizzle select
 * costs ~0.1 ms each time (bench/realtime's profile: a tenth of the event loop at 500 events/s).
 */
export function inJsonArrayParam(column: SQL | { name: string }, name: string): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${sql.placeholder(name)}))`;
}

function toColumnName(key: string, columns: { name: string }[]): string {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return columns.some((c) => c.name === snake) ? snake : key;
}
