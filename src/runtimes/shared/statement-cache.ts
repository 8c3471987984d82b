/**
 * `@libsql/client` prepares every statement anew, and on small queries SQLite's prepare (plus
 * reading the column list twice) costs more than running them: a third of the database time in
 * bench/realtime's profile. Herald's SQL is a small fixed set (bulk writes bind one JSON value),
 * so each connection keeps its prepared statements, keyed by SQL text.
 *
 * This wraps `prepare` of the `libsql` driver underneath the client, the one seam it has: reusing
 * a statement is safe there because every use runs to completion synchronously. SQLite re-prepares
 * a cached statement by itself when the schema changes.
 */
import Database from "libsql";

const MAX_STATEMENTS = 500;
const PATCHED = Symbol.for("herald.statementCache.patched");
const CACHE = Symbol.for("herald.statementCache");

type Statement = { columns(): unknown[]; raw(on?: boolean): Statement };

export function cachePreparedStatements(): void {
  const proto = Database.prototype as unknown as { prepare(sql: string): Statement; [PATCHED]?: boolean };
  if (proto[PATCHED]) return;
  const prepare = proto.prepare;
  proto.prepare = function (this: { [key: symbol]: Map<string, Statement> | undefined }, sql: string) {
    if (!Object.prototype.hasOwnProperty.call(this, CACHE)) this[CACHE] = new Map<string, Statement>();
    const cache = this[CACHE]!;
    let statement = cache.get(sql);
    if (!statement) {
      statement = remember(prepare.call(this, sql));
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  };
  proto[PATCHED] = true;
}

/** The column list and whether the statement returns rows never change: ask the driver once. */
function remember(statement: Statement): Statement {
  const columns = statement.columns.bind(statement);
  const raw = statement.raw.bind(statement);
  let cachedColumns: unknown[] | undefined;
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
