import Database from "libsql";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openLibsqlStore } from "./libsql-store.js";
import { openEmbeddedClient } from "./statement-cache.js";

const file = (name: string) => join(mkdtempSync(join(tmpdir(), "herald-statements-")), name);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Herald's embedded libSQL client", () => {
  it("leaves every other libSQL connection in the process preparing as before", async () => {
    const { client, close } = await openLibsqlStore(`file:${file("herald.db")}`);
    try {
      await client.execute("SELECT 1");
      const other = new Database(file("other.db"));
      // A fresh statement per prepare: Herald's cache is not on libsql's class.
      expect(other.prepare("SELECT 1")).not.toBe(other.prepare("SELECT 1"));
      other.close();
    } finally {
      await close();
    }
  });

  it("prepares each statement once, however often it runs", async () => {
    const prepare = vi.spyOn(Database.prototype, "prepare");
    const client = openEmbeddedClient(file("once.db"));
    try {
      await client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)");
      for (let i = 0; i < 50; i++) await client.execute({ sql: "INSERT INTO t (id, name) VALUES (?, ?)", args: [i, `n${i}`] });
      for (let i = 0; i < 50; i++) expect((await client.execute({ sql: "SELECT name FROM t WHERE id = ?", args: [i] })).rows[0]).toMatchObject({ name: `n${i}` });
      const prepared = prepare.mock.calls.map(([sql]) => sql);
      expect(prepared.filter((sql) => sql.startsWith("INSERT"))).toHaveLength(1);
      expect(prepared.filter((sql) => sql.startsWith("SELECT name"))).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it("runs concurrent calls on one connection, so each sees the PRAGMAs the store set", async () => {
    const { client, close } = await openLibsqlStore(`file:${file("pragmas.db")}`, { checkpointInBackground: true });
    try {
      // NORMAL is 1 (SQLite's default is FULL, 2); 0: checkpoints are the background thread's.
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.execute(i % 2 ? "PRAGMA synchronous" : "PRAGMA wal_autocheckpoint")));
      expect(answers.map((a, i) => Number(a.rows[0]![0]))).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 1 : 0)));
    } finally {
      await close();
    }
  });
});
