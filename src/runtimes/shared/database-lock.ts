/**
 * One Herald process per embedded database file. A second process on the same file would be
 * wrong in ways nobody sees at once: live frames and room messages it accepts never reach the
 * first one's connections (the real-time hub is in-process), and a start releases every lease it
 * does not own (the crashed-process recovery below), so the first one's sends in flight go out
 * twice. A second start is refused instead.
 *
 * The lock is SQLite's own: an exclusive transaction held open on a side file
 * (`<database>-lock`) for the life of the process. It is an OS file lock (fcntl), so the kernel
 * drops it when the process dies however it dies: kill -9 leaves no stale lock to clean up, and
 * the next start takes it at once. It works wherever the libSQL driver does (Node, Deno), and
 * needs no pid file (pids are reused, and every container's first process is pid 1).
 */
import Database from "libsql";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { HeraldError } from "../../core/errors.js";

export interface DatabaseLock {
  /** The side file holding the lock. */
  path: string;
  /** Lets the next process in (also happens by itself when this one exits). */
  release(): void;
}

/** The file path of an embedded database URL, or undefined (in-memory, remote `libsql://`). */
export function embeddedDatabasePath(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  const path = url.slice("file:".length).replace(/^\/\//, "").replace(/\?.*$/, "");
  return path === "" || path === ":memory:" ? undefined : path;
}

/**
 * Takes the database file's process lock, or throws `HeraldError("database_in_use")` at once when
 * another process holds it.
 */
export function lockDatabaseFile(databasePath: string): DatabaseLock {
  const path = `${databasePath}-lock`;
  mkdirSync(dirname(path), { recursive: true });
  // No busy timeout: a held lock is an answer, not something to wait for.
  const db = new Database(path, { timeout: 0 });
  try {
    // Nothing is ever written to it: no journal file either.
    db.exec("PRAGMA journal_mode = OFF");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY" || /database is locked/i.test(String(error))) {
      throw new HeraldError(
        "database_in_use",
        `another Herald process is running on ${databasePath} (it holds ${path}). One process serves an embedded database file: ` +
          "stop the other one first, or give this one its own DATABASE_URL. Several processes need a shared libsql:// database (see README, Running in production).",
        { cause: error },
      );
    }
    throw error;
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      db.exec("ROLLBACK");
      db.close();
    },
  };
}
