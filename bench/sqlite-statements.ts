/**
 * bench/sqlite-statements: what Herald's prepared-statement cache (src/runtimes/shared/statement-cache.ts)
 * saves on the small queries the engine runs most (a row by primary key, a one-row update), on an
 * embedded libSQL file, and whether it stays on Herald's own connections.
 *
 *   npx tsx bench/sqlite-statements.ts        (BENCH_SQL_N=20000 queries per round, 5 rounds, median)
 *
 * Three clients run the same statements through `client.execute`, one after the other:
 * 1. a plain `@libsql/client` before Herald opened its store (every statement prepared anew);
 * 2. the client of Herald's store (`openLibsqlStore`);
 * 3. another plain client, after Herald opened its store: as fast as 1 when the cache is contained.
 */
import { createClient, type Client } from "@libsql/client";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLibsqlStore } from "../src/runtimes/shared/libsql-store.js";

const N = Number(process.env.BENCH_SQL_N ?? 20_000);
const ROUNDS = 5;
const ROWS = 1000;
const dir = mkdtempSync(join(tmpdir(), "herald-bench-sql-"));

async function prepare(client: Client): Promise<void> {
  // Herald's settings (libsql-store.ts), so that writes compare statements rather than fsyncs.
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute("CREATE TABLE IF NOT EXISTS bench_rows (id TEXT PRIMARY KEY, name TEXT, data TEXT, updated_at INTEGER)");
  await client.batch(
    Array.from({ length: ROWS }, (_, i) => ({ sql: "INSERT OR REPLACE INTO bench_rows (id, name, data, updated_at) VALUES (?, ?, ?, ?)", args: [`r${i}`, `name ${i}`, JSON.stringify({ i }), i] })),
    "write",
  );
}

/** Microseconds per statement, median of ROUNDS rounds of N (half reads, half writes). */
async function measure(client: Client): Promise<{ read: number; write: number }> {
  const reads: number[] = [];
  const writes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    for (let i = 0; i < N / 2; i++) await client.execute({ sql: "SELECT id, name, data, updated_at FROM bench_rows WHERE id = ?", args: [`r${i % ROWS}`] });
    reads.push(((performance.now() - t) * 1000) / (N / 2));
    t = performance.now();
    for (let i = 0; i < N / 2; i++) await client.execute({ sql: "UPDATE bench_rows SET updated_at = ? WHERE id = ?", args: [i, `r${i % ROWS}`] });
    writes.push(((performance.now() - t) * 1000) / (N / 2));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { read: median(reads), write: median(writes) };
}

const before = createClient({ url: `file:${join(dir, "plain-before.db")}` });
await prepare(before);
const plainBefore = await measure(before);
before.close();

const herald = await openLibsqlStore(`file:${join(dir, "herald.db")}`);
await prepare(herald.client);
const heraldFigures = await measure(herald.client);

const after = createClient({ url: `file:${join(dir, "plain-after.db")}` });
await prepare(after);
const plainAfter = await measure(after);
after.close();
await herald.close();

const row = (name: string, f: { read: number; write: number }) => `${name.padEnd(44)} | ${f.read.toFixed(1).padStart(8)} | ${f.write.toFixed(1).padStart(8)}`;
console.log(`\nbench/sqlite-statements: ${N} statements per round, median of ${ROUNDS}, node ${process.version}\n`);
console.log(`${"client".padEnd(44)} | read µs  | write µs`);
console.log(row("plain @libsql/client, before Herald's store", plainBefore));
console.log(row("Herald's store client (statement cache)", heraldFigures));
console.log(row("plain @libsql/client, after Herald's store", plainAfter));
console.log(`\nHerald / plain (reads): ${(heraldFigures.read / plainBefore.read).toFixed(2)}×, (writes): ${(heraldFigures.write / plainBefore.write).toFixed(2)}×`);
