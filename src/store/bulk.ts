import { type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { getTableConfig } from "drizzle-orm/sqlite-core";

/**
 * Many rows in one statement with ONE bound parameter: the rows as a JSON array, unpacked by
 * SQLite's `json_each`. Against one `VALUES (?, ?, …)` tuple per row this costs the same to build
 * for 1 row or 5,000 (drizzle's builder visits every value), and it stays inside D1's limit of
 * 100 bound parameters per statement. libSQL and D1 both ship SQLite's JSON functions.
 */
export function insertJsonRows<T extends Record<string, unknown>>(table: SQLiteTable, rows: T[], options: { onConflictDoNothing: boolean }): SQL {
  const keys = Object.keys(rows[0] ?? {});
  const cacheKey = `${keys.join(",")}|${options.onConflictDoNothing}`;
  let byKeys = statementHeads.get(table);
  if (!byKeys) statementHeads.set(table, (byKeys = new Map()));
  let head = byKeys.get(cacheKey);
  if (!head) byKeys.set(cacheKey, (head = statementHead(table, keys, options.onConflictDoNothing)));
  // A key missing from a row reads as NULL (`->>` of an absent path), like an explicit null.
  return sql`${head.insert}${JSON.stringify(rows)}${head.tail}`;
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
