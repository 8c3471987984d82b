import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "./libsql-store.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeManyCommits(client: Awaited<ReturnType<typeof openLibsqlStore>>["client"], commits: number) {
  await client.execute("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  for (let i = 0; i < commits; i++) await client.execute({ sql: "INSERT INTO filler (body) VALUES (?)", args: ["x".repeat(2000)] });
}

describe("WAL checkpoints off the event loop", () => {
  it("leaves checkpoints to the worker thread: the main connection never checkpoints, yet the database file takes the pages", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "herald-wal-")), "h.db");
    const db = await openLibsqlStore(`file:${path}`, { checkpointInBackground: true });
    try {
      const auto = await db.client.execute("PRAGMA wal_autocheckpoint");
      expect(Number(auto.rows[0]![0])).toBe(0);
      const before = statSync(path).size;
      await writeManyCommits(db.client, 300);
      // The main connection would leave every page in the WAL; the worker copies them within its interval.
      let after = before;
      for (let i = 0; i < 40 && after < before + 300 * 2000; i++) {
        await sleep(100);
        after = statSync(path).size;
      }
      expect(after).toBeGreaterThan(before + 300 * 2000);
    } finally {
      await db.close();
    }
  });

  it("without it, SQLite's own auto-checkpoint stays on", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "herald-wal-")), "h.db");
    const db = await openLibsqlStore(`file:${path}`);
    try {
      const auto = await db.client.execute("PRAGMA wal_autocheckpoint");
      expect(Number(auto.rows[0]![0])).toBe(1000);
    } finally {
      await db.close();
    }
  });
});
