/**
 * Applies SQL migrations in name order and records each in `_herald_migrations` (the same idea as
 * D1's `d1_migrations` table). Runtimes pass the files in: Node and Deno read the folder, Workers
 * bundle it, so this code reads no files itself.
 */
export interface Migration {
  name: string;
  sql: string;
}

/** The smallest database surface migrations need; both libSQL's client and D1 can provide it. */
export interface MigrationTarget {
  query(sql: string): Promise<{ name: string }[]>;
  /** Runs a script of several statements atomically. */
  execScript(statements: string[]): Promise<void>;
}

export function splitStatements(script: string): string[] {
  return script
    .split(/;\s*(?:\r?\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.length > 0);
}

export async function migrate(target: MigrationTarget, migrations: Migration[]): Promise<string[]> {
  await target.execScript(["CREATE TABLE IF NOT EXISTS _herald_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)"]);
  const done = new Set((await target.query("SELECT name FROM _herald_migrations")).map((r) => r.name));
  const applied: string[] = [];
  for (const m of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
    if (done.has(m.name)) continue;
    const name = m.name.replace(/'/g, "''");
    await target.execScript([...splitStatements(m.sql), `INSERT INTO _herald_migrations (name, applied_at) VALUES ('${name}', ${Date.now()})`]);
    applied.push(m.name);
  }
  return applied;
}
