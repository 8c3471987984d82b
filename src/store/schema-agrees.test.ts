/**
 * schema.ts (drizzle, types the queries) and the SQL migrations (create the tables) describe the same
 * database twice. This migrates a fresh database and compares the two, so neither can drift: every
 * table, column (name, type, NOT NULL, primary key) and index schema.ts declares must exist as
 * declared, and every table the migrations create must be declared (or listed below with a reason).
 */
import { createClient } from "@libsql/client";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { migrateLibsql } from "../runtimes/shared/libsql-store.js";
import * as schema from "./schema.js";

/** Tables only raw SQL touches (triggers and bookkeeping), with why drizzle does not need them. */
const RAW_ONLY: Record<string, string> = {
  _herald_migrations: "the migration runner's own record",
};

interface Column {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

async function migrated() {
  const client = createClient({ url: ":memory:" });
  await migrateLibsql(client);
  const rows = async (sql: string) => (await client.execute(sql)).rows as unknown as Record<string, unknown>[];
  const tables = (await rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((r) => String(r.name));
  const columns = new Map<string, Column[]>();
  const indexes = new Map<string, string[]>();
  for (const t of tables) {
    columns.set(t, (await rows(`PRAGMA table_info("${t}")`)) as unknown as Column[]);
    indexes.set(t, (await rows(`PRAGMA index_list("${t}")`)).map((r) => String(r.name)));
  }
  client.close();
  return { tables, columns, indexes };
}

const declared = (Object.values(schema) as unknown[])
  .filter((v): v is SQLiteTable => v instanceof SQLiteTable)
  .map((t) => getTableConfig(t));

describe("schema.ts and the migrations", () => {
  it("describe the same tables, columns and indexes", async () => {
    const db = await migrated();
    const problems: string[] = [];
    for (const table of declared) {
      const actual = db.columns.get(table.name);
      if (!actual) {
        problems.push(`${table.name}: declared in schema.ts, created by no migration`);
        continue;
      }
      const compositePk = new Set(table.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name)));
      for (const column of table.columns) {
        const found = actual.find((c) => c.name === column.name);
        if (!found) {
          problems.push(`${table.name}.${column.name}: declared, not in the database`);
          continue;
        }
        if (found.type.toLowerCase() !== column.getSQLType().toLowerCase()) problems.push(`${table.name}.${column.name}: ${column.getSQLType()} in schema.ts, ${found.type} in SQL`);
        const pk = column.primary || compositePk.has(column.name);
        if (pk !== found.pk > 0) problems.push(`${table.name}.${column.name}: primary key ${pk} in schema.ts, ${found.pk > 0} in SQL`);
        // SQLite reports a lone INTEGER/TEXT primary key as nullable unless NOT NULL was written; drizzle implies it.
        if (!pk && column.notNull !== (found.notnull === 1)) problems.push(`${table.name}.${column.name}: NOT NULL ${column.notNull} in schema.ts, ${found.notnull === 1} in SQL`);
      }
      for (const c of actual) {
        if (!table.columns.some((d) => d.name === c.name)) problems.push(`${table.name}.${c.name}: in the database, not declared in schema.ts`);
      }
      for (const ix of table.indexes) {
        if (!db.indexes.get(table.name)?.includes(ix.config.name)) problems.push(`${table.name}: index ${ix.config.name} declared, not created`);
      }
    }
    for (const name of db.tables) {
      if (!declared.some((t) => t.name === name) && !(name in RAW_ONLY)) problems.push(`${name}: created by a migration, not declared in schema.ts`);
    }
    expect(problems).toEqual([]);
  });
});
