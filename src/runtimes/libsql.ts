import { createClient, type Client, type InArgs } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStore, type HeraldDb, type RawStatement, type Store } from "../store/index.js";
import { migrate, type Migration } from "../store/migrate.js";
import * as schema from "../store/schema.js";
import { cachePreparedStatements } from "./statement-cache.js";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../store/migrations");

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
}

export interface LibsqlStore {
  store: Store;
  client: Client;
  /** True for an embedded file: this process is then the database's only user. */
  embedded: boolean;
}

/**
 * Opens the libSQL database (embedded file by default, or a `libsql://` server), applies pending
 * migrations and returns the store. Used by the Node and Deno entrypoints.
 */
export async function openLibsqlStore(url: string, options: { authToken?: string; synchronous?: string } = {}): Promise<LibsqlStore> {
  const embedded = url.startsWith("file:");
  if (embedded) {
    const path = url.slice("file:".length).replace(/^\/\//, "");
    if (path && path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  }
  if (embedded) cachePreparedStatements();
  const client = createClient({ url, authToken: options.authToken });
  if (embedded) {
    const synchronous = (options.synchronous ?? "NORMAL").toUpperCase();
    if (!["NORMAL", "FULL"].includes(synchronous)) throw new Error(`HERALD_SQLITE_SYNCHRONOUS must be NORMAL or FULL, not "${options.synchronous}"`);
    // WAL lets readers run during a write. With synchronous=NORMAL a commit is in the WAL file
    // before the 202, so it survives the process dying (kill -9); FULL also fsyncs each commit to
    // survive power loss, at a cost measured in bench/README.md (the embedded driver blocks the
    // event loop during fsync).
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute(`PRAGMA synchronous = ${synchronous}`);
    await client.execute("PRAGMA busy_timeout = 5000");
  }
  await migrate(
    {
      query: async (sql) => (await client.execute(sql)).rows as unknown as { name: string }[],
      execScript: async (statements) => {
        await client.batch(statements, "write");
      },
    },
    readMigrations(),
  );
  const db = drizzle(client, { schema }) as unknown as HeraldDb;
  const runBatch = async (statements: RawStatement[]) => {
    const results = await client.batch(statements.map((s) => ({ sql: s.sql, args: s.params as InArgs })), "write");
    return results.map((r) => r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))));
  };
  return { store: createStore(db, runBatch), client, embedded };
}
