/**
 * The embedded libSQL client of Herald's store: `@libsql/client`'s own SQLite client, on one
 * connection that keeps its prepared statements.
 *
 * `@libsql/client` prepares every statement anew, and on small queries SQLite's prepare (plus
 * reading the column list twice) costs more than running them: a third of the database time in
 * bench/realtime's profile (bench/sqlite-statements: ~65 → ~20 µs per read by primary key).
 * Herald's SQL is a small fixed set (bulk writes bind one JSON value), so the connection keeps its
 * statements, keyed by SQL text. Reusing one is safe because every use runs to completion
 * synchronously; SQLite re-prepares a cached statement by itself when the schema changes.
 *
 * The cache is a property of Herald's own connections (the client's connection pool opens them
 * through the subclass below), not of libsql's `Database` class: any other libSQL connection in the
 * process prepares as before.
 *
 * One connection: the client would open up to 20 under concurrent calls, each without the PRAGMAs
 * (synchronous, busy_timeout, wal_autocheckpoint) that libsql-store.ts sets through the client on
 * whichever connection runs them, and each with its own cache. Every call borrows the connection
 * for synchronous work only, so a second one never ran anything in parallel anyway; Herald opens no
 * interactive transaction (D1 has none), which would hold the only connection.
 */
import { ConnectionPool, Sqlite3Client, type Client } from "@libsql/client/sqlite3";
import type Database from "libsql";

const MAX_STATEMENTS = 500;
const CACHED = Symbol("herald.statementCache");

type Connection = Database.Database & { [CACHED]?: true };
type Statement = ReturnType<Database.Database["prepare"]>;

/** The client's pool, keeping the prepared statements of every connection it opens. */
class CachingPool extends ConnectionPool {
  override acquireSync(forTransaction?: boolean): Database.Database {
    const connection: Connection = super.acquireSync(forTransaction);
    if (!connection[CACHED]) cacheStatements(connection);
    return connection;
  }
}

/**
 * A `@libsql/client` client for the SQLite file at `path` (or `:memory:`): integers as numbers, as
 * `createClient` gives them.
 *
 * @example
 * const client = openEmbeddedClient("./data/herald.db");
 * await client.execute({ sql: "SELECT * FROM subscribers WHERE id = ?", args: ["sub_1"] });
 */
export function openEmbeddedClient(path: string): Client {
  const pool = new CachingPool(path, {}, 1);
  // Fails here, as createClient does, when the file cannot be opened.
  pool.release(pool.acquireSync());
  return new Sqlite3Client(pool, "number");
}

function cacheStatements(connection: Connection): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, Statement>();
  connection.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = remember(prepare(sql));
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  }) as Database.Database["prepare"];
  connection[CACHED] = true;
}

/** The column list and whether the statement returns rows never change: ask the driver once. */
function remember(statement: Statement): Statement {
  const columns = statement.columns.bind(statement);
  const raw = statement.raw.bind(statement);
  let cachedColumns: ReturnType<Statement["columns"]> | undefined;
  let notAReader: unknown;
  statement.columns = () => (cachedColumns ??= columns());
  statement.raw = (on?: boolean) => {
    if (notAReader) throw notAReader;
    try {
      return raw(on);
    } catch (error) {
      notAReader = error;
      throw error;
    }
  };
  return statement;
}
