import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "./libsql-store.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

type Store = Awaited<ReturnType<typeof openLibsqlStore>>;

function tempPath() {
  return join(mkdtempSync(join(tmpdir(), "herald-wal-")), "h.db");
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function writeManyCommits(client: Store["client"], commits: number) {
  await client.execute("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  for (let i = 0; i < commits; i++) await client.execute({ sql: "INSERT INTO filler (body) VALUES (?)", args: ["x".repeat(2000)] });
}

/** Payload of one commit of `writeWithoutPause`: eight rows of 3,000 bytes, so at least six WAL pages. */
const COMMIT_BYTES = 8 * 3000;

/**
 * Commits back to back until `bytes` of rows are written (or `maxMs` passed), yielding to the
 * event loop between commits as a busy server would; answers the WAL file's largest size.
 */
async function writeWithoutPause(db: Store, walPath: string, bytes: number, maxMs = 60_000): Promise<{ maxWal: number; commits: number }> {
  await db.client.execute("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  let maxWal = 0;
  let commits = 0;
  const until = Date.now() + maxMs;
  while (commits * COMMIT_BYTES < bytes && Date.now() < until) {
    await db.client.batch(Array.from({ length: 8 }, () => ({ sql: "INSERT INTO filler (body) VALUES (?)", args: ["y".repeat(3000)] })), "write");
    commits++;
    maxWal = Math.max(maxWal, size(walPath));
    await new Promise((r) => setImmediate(r));
  }
  return { maxWal, commits };
}

describe("WAL checkpoints off the event loop", () => {
  it("leaves checkpoints to the thread: the main connection never checkpoints, yet the database file takes the pages", async () => {
    const path = tempPath();
    const db = await openLibsqlStore(`file:${path}`, { checkpointInBackground: true });
    try {
      const auto = await db.client.execute("PRAGMA wal_autocheckpoint");
      expect(Number(auto.rows[0]![0])).toBe(0);
      const before = statSync(path).size;
      await writeManyCommits(db.client, 300);
      // The main connection would leave every page in the WAL; the thread copies them within its interval.
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

  it("keeps the WAL bounded while writes never pause, and empties it once they stop", async () => {
    const path = tempPath();
    const db = await openLibsqlStore(`file:${path}`, { checkpointInBackground: true, walCheckpoints: { restartAtBytes: 2 * MiB, intervalMs: 50, quietMs: 200 } });
    try {
      // Without restarts the WAL only grows, never written from its start again: 200 MiB here.
      const { maxWal, commits } = await writeWithoutPause(db, `${path}-wal`, 200 * MiB);
      expect(commits * COMMIT_BYTES).toBeGreaterThanOrEqual(200 * MiB);
      expect(maxWal).toBeLessThan(32 * MiB);
      expect(db.walCheckpointer()!.stats().restarts).toBeGreaterThan(0);
      await expect.poll(() => size(`${path}-wal`), { timeout: 5000 }).toBe(0);
      expect((await db.client.execute("SELECT count(*) FROM filler")).rows[0]![0]).toBe(commits * 8);
    } finally {
      await db.close();
    }
  });

  it("holds writes back when the thread falls behind, so a slow disk does not let the WAL run away", async () => {
    const path = tempPath();
    const threadModule = new URL("./slow-checkpoint-thread.fixture.js", import.meta.url);
    const db = await openLibsqlStore(`file:${path}`, { checkpointInBackground: true, walCheckpoints: { restartAtBytes: 1 * MiB, intervalMs: 50, threadModule } });
    try {
      // 5 s take in two of the thread's 1.5 s stalls; unheld, a writer that never pauses fills
      // ~100 MiB of WAL in each (bench machine; at least ~40 MiB on a loaded one).
      const { maxWal } = await writeWithoutPause(db, `${path}-wal`, 10_000 * MiB, 5000);
      // Held once the WAL holds 4 MiB; a write or two more may land before the next size check.
      expect(maxWal).toBeLessThan(16 * MiB);
      expect(db.walCheckpointer()!.stats().writeHolds).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it("spaces out its tries while a reader holds an old snapshot (a backup), so writes are not held back again and again", async () => {
    const path = tempPath();
    const db = await openLibsqlStore(`file:${path}`, { checkpointInBackground: true, walCheckpoints: { restartAtBytes: 1 * MiB, intervalMs: 20 } });
    await writeWithoutPause(db, `${path}-wal`, 1 * MiB);
    // A second connection in the middle of a long read, as `VACUUM INTO` is.
    const reader = new Database(path);
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM filler").get();
    try {
      const started = Date.now();
      await writeWithoutPause(db, `${path}-wal`, 40 * MiB);
      const seconds = (Date.now() - started) / 1000;
      // Every try fails while the reader stays; without spacing out, one every tick (50 a second).
      expect(db.walCheckpointer()!.stats().busy).toBeLessThanOrEqual(2 + Math.log2(4 * seconds + 1));
    } finally {
      reader.exec("ROLLBACK");
      reader.close();
      await db.close();
    }
  });

  it("hands checkpoints back to the main connection when the thread dies, which keeps the WAL bounded", async () => {
    const path = tempPath();
    const failures: Error[] = [];
    const db = await openLibsqlStore(`file:${path}`, { checkpointInBackground: true, onCheckpointerFailure: (error) => failures.push(error) });
    try {
      await db.walCheckpointer()!.thread.terminate();
      await expect.poll(() => failures.length).toBe(1);
      expect(db.walCheckpointer()).toBeUndefined();
      await expect.poll(async () => Number((await db.client.execute("PRAGMA wal_autocheckpoint")).rows[0]![0])).toBe(1000);
      const { maxWal } = await writeWithoutPause(db, `${path}-wal`, 100 * MiB);
      // SQLite's own checkpoint after ~1,000 pages, on the only writer: the WAL starts over each time.
      expect(maxWal).toBeLessThan(8 * MiB);
    } finally {
      await db.close();
    }
  });

  it("without it, SQLite's own auto-checkpoint stays on", async () => {
    const path = tempPath();
    const db = await openLibsqlStore(`file:${path}`);
    try {
      const auto = await db.client.execute("PRAGMA wal_autocheckpoint");
      expect(Number(auto.rows[0]![0])).toBe(1000);
    } finally {
      await db.close();
    }
  });
});
