import { createClient, type Client, type InArgs } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStore, type HeraldDb, type RawStatement, type Store } from "../../store/index.js";
import { migrate, type Migration } from "../../store/migrate.js";
import * as schema from "../../store/schema.js";
import { openEmbeddedClient } from "./statement-cache.js";
import { startWalCheckpointer, type WalCheckpointer, type WalCheckpointerOptions } from "./wal-checkpointer.js";
import { gatedClient } from "./statement-gate.js";

/** The WAL file is cut back to this size when it starts over (`journal_size_limit`). */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The embedded driver's statements wait for the event loop's turn once it was held this long
 * (statement-gate.ts): requests, timers and live frames get in at least this often, give or take
 * the statement running when it ends (a plan part's commit, ~100 ms: bench/broadcast). A turn
 * costs a few microseconds when nothing else waits.
 */
const TURN_AFTER_MS = 10;

/** SQLite's page cache on Herald's connection, in KiB (`cache_size`; memory is taken only as pages are read). */
const PAGE_CACHE_KIB = 32 * 1024;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../store/migrations");

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .map((name) => ({ name, sql: readFileSync(join(dir, name), "utf8") }));
}

/** Applies `migrations` (by default all of them) not yet applied to a libSQL database. */
export function migrateLibsql(client: Client, migrations = readMigrations()): ReturnType<typeof migrate> {
  return migrate(
    {
      query: async (sql) => (await client.execute(sql)).rows as unknown as { name: string }[],
      execScript: async (statements) => void (await client.batch(statements, "write")),
    },
    migrations,
  );
}

export interface LibsqlStore {
  store: Store;
  client: Client;
  /** True for an embedded file: this process is then the database's only user. */
  embedded: boolean;
  /** The WAL checkpoint thread, while it runs (embedded file, `checkpointInBackground`). */
  walCheckpointer(): WalCheckpointer | undefined;
  /** Stops background work on the database and closes it. */
  close(): Promise<void>;
}

/**
 * Opens the libSQL database (embedded file by default, or a `libsql://` server), applies pending
 * migrations and returns the store. Used by the Node and Deno entrypoints.
 */
export async function openLibsqlStore(
  url: string,
  options: {
    authToken?: string;
    synchronous?: string;
    checkpointInBackground?: boolean;
    onCheckpointerFailure?: (error: Error) => void;
    /** Tuning of the checkpoint thread (tests); see WalCheckpointerOptions for the defaults. */
    walCheckpoints?: Omit<WalCheckpointerOptions, "onFailure" | "gate">;
  } = {},
): Promise<LibsqlStore> {
  const embedded = url.startsWith("file:");
  const path = embedded ? url.slice("file:".length).replace(/^\/\//, "") : "";
  const onDisk = embedded && path !== "" && path !== ":memory:";
  if (onDisk) mkdirSync(dirname(path), { recursive: true });
  // Every statement passes a gate the WAL checkpoint thread can shut for a moment (statement-gate.ts);
  // on the embedded file, where statements run on this thread, it also lets the event loop turn.
  const { client, gate } = embedded
    ? gatedClient(openEmbeddedClient(path), { turnAfterMs: TURN_AFTER_MS })
    : gatedClient(createClient({ url, authToken: options.authToken }));
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
    // Notification and delivery ids are random within a broadcast (core/ids.ts), so each part's commit
    // touches pages all over their indexes; SQLite's default 2 MiB cache (~500 pages) re-reads them
    // every part. A broadcast to 50,000 in parts of 500 took ~5 % less time with a larger cache (bench/broadcast).
    await client.execute(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`);
    // Whenever the WAL starts over, a file grown past this is cut back to it: a burst (or a backup
    // holding an old snapshot meanwhile) leaves no lasting gigabyte behind.
    await client.execute(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  }
  let checkpointer: WalCheckpointer | undefined;
  if (onDisk && options.checkpointInBackground) {
    // Checkpoints copy the WAL into the database file and fsync: a worker thread does them, not the event loop.
    await client.execute("PRAGMA wal_autocheckpoint = 0");
    checkpointer = startWalCheckpointer(path, {
      ...options.walCheckpoints,
      gate,
      onFailure(error) {
        checkpointer = undefined;
        // The main connection checkpoints after its own commits again: no other writer runs meanwhile,
        // so each one copies the whole WAL and the next write starts it over.
        client.execute("PRAGMA wal_autocheckpoint = 1000").catch(() => {}); // a closed client has nothing left to checkpoint
        options.onCheckpointerFailure?.(error);
      },
    });
  }
  await migrateLibsql(client);
  const db = drizzle(client, { schema }) as unknown as HeraldDb;
  const runBatch = async (statements: RawStatement[]) => {
    const results = await client.batch(statements.map((s) => ({ sql: s.sql, args: s.params as InArgs })), "write");
    return results.map((r) => r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))));
  };
  return {
    store: createStore(db, runBatch),
    client,
    embedded,
    walCheckpointer: () => checkpointer,
    async close() {
      await checkpointer?.stop();
      client.close();
    },
  };
}
