/**
 * Reads a running Herald's database file from the test process: the libSQL file on Node and Deno,
 * wrangler's local D1 (a SQLite file under its `--persist-to` folder) on workerd. For assertions
 * about what is stored, such as an erasure leaving nothing behind.
 */
import { createClient } from "@libsql/client";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { HeraldProcess } from "./server.js";

function sqliteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sqliteFiles(path);
    return entry.name.endsWith(".sqlite") && entry.name !== "metadata.sqlite" ? [path] : [];
  });
}

/** The file Herald stores its data in. */
export function databaseFile(herald: HeraldProcess): string {
  if (!herald.persistDir) return herald.databaseUrl.replace(/^file:/, "");
  const files = sqliteFiles(join(herald.persistDir, "v3", "d1"));
  if (files.length !== 1) throw new Error(`expected one local D1 file under ${herald.persistDir}, found ${files.length}`);
  return files[0]!;
}

/** Every row of every table, by table name (the database's own bookkeeping tables included). */
export async function allRows(herald: HeraldProcess): Promise<Record<string, Record<string, unknown>[]>> {
  const client = createClient({ url: `file:${databaseFile(herald)}` });
  try {
    const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const { name } of tables.rows) {
      const rows = await client.execute(`SELECT * FROM "${String(name).replace(/"/g, '""')}"`);
      out[String(name)] = rows.rows.map((r) => Object.fromEntries(rows.columns.map((c, i) => [c, r[i]])));
    }
    return out;
  } finally {
    client.close();
  }
}

/** Cells (as `table.column: value`) whose text contains any of `needles`. */
export function cellsContaining(rows: Record<string, Record<string, unknown>[]>, needles: string[]): string[] {
  const found: string[] = [];
  for (const [table, list] of Object.entries(rows)) {
    for (const row of list) {
      for (const [column, value] of Object.entries(row)) {
        const text = value instanceof ArrayBuffer ? Buffer.from(value).toString("latin1") : String(value);
        if (needles.some((n) => text.includes(n))) found.push(`${table}.${column}: ${text.slice(0, 200)}`);
      }
    }
  }
  return found;
}
