/**
 * What erasing a subscriber costs, and what checking a subscriber token on every /v1/me call costs,
 * on the embedded libSQL file Node and Deno use. In process (no HTTP): the figures are the store's.
 *
 *   flock /tmp/bench.lock npx tsx bench/erasure.ts     # BENCH_INBOX_ROWS=1000000 by default
 *
 * Seeds BENCH_INBOX_ROWS inbox rows over subscribers of 100 items each, a room of 1,000 members in
 * which each erased subscriber wrote 20 messages (20,000 copies in other members' streams), then
 * erases subscribers one at a time: writers of room messages, then subscribers who wrote none.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueToken, verifyToken } from "../src/core/auth/subscriber-token.js";
import { tokenStillValid } from "../src/core/auth/subscriber-access.js";
import { erasedPseudonym } from "../src/core/erasure.js";
import { openLibsqlStore } from "../src/runtimes/shared/libsql-store.js";

const INBOX_ROWS = Number(process.env.BENCH_INBOX_ROWS ?? 1_000_000);
const PER_SUBSCRIBER = 100;
const ROOM = 1000;
const MESSAGES_EACH = 20;
const ERASURES = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "herald-bench-erasure-"));
  const db = await openLibsqlStore(`file:${join(dir, "herald.db")}`);
  const { client, store } = db;
  const now = Date.now();
  const subscribers = Math.ceil(INBOX_ROWS / PER_SUBSCRIBER);

  const t0 = performance.now();
  await client.execute({
    sql: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
      INSERT INTO subscribers (id, name, email, created_at, updated_at) SELECT 's' || i, 'Name ' || i, 's' || i || '@example.com', ?, ? FROM n`,
    args: [subscribers, now, now],
  });
  await client.execute({
    sql: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
      INSERT INTO inbox (subscriber_id, seq, id, type, title, body, created_at)
      SELECT 's' || (i / ${PER_SUBSCRIBER}), i % ${PER_SUBSCRIBER} + 1, 'ntf_' || i, 'notification', 'Title ' || i, 'Body of item ' || i, ? FROM n`,
    args: [INBOX_ROWS, now],
  });
  await client.execute({
    sql: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
      INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) SELECT 'ntf_' || i, 'evt_' || i, 'r', 's' || (i / ${PER_SUBSCRIBER}), ? FROM n`,
    args: [INBOX_ROWS, now],
  });
  await client.execute({ sql: `INSERT INTO topics (key, allow_member_messages, created_at, updated_at) VALUES ('room', 1, ?, ?)`, args: [now, now] });
  await client.execute({ sql: `INSERT INTO topic_subscribers (topic, subscriber_id, created_at) SELECT 'room', id, ? FROM subscribers LIMIT ${ROOM}`, args: [now] });
  console.log(`seeded ${subscribers} subscribers, ${INBOX_ROWS} inbox rows, ${INBOX_ROWS} notifications in ${Math.round(performance.now() - t0)} ms`);

  // Room messages by the subscribers about to be erased: each a stored message plus a copy per member.
  for (let e = 0; e < ERASURES; e++) {
    for (let m = 0; m < MESSAGES_EACH; m++) {
      const id = `msg_${e}_${m}`;
      await store.write([
        store.topics.insertMessageStatement({ id, topic: "room", senderId: `s${e}`, senderName: `Name ${e}`, system: false, clientMessageId: id, body: "hello", data: null, createdAt: now }),
        ...store.inbox.appendToMembersStatements({ id, topic: "room", senderId: `s${e}`, createdAt: now }),
      ]);
    }
  }

  // Per call: the token check every /v1/me request makes, beside verifying the signature alone.
  const key = "bench-token-key";
  const token = await issueToken(key, { sub: "s500", exp: Math.floor(now / 1000) + 3600, iat: now });
  const claims = (await verifyToken(key, token, now))!;
  const CALLS = 20_000;
  for (const [label, run] of [
    ["verify the signature only", () => verifyToken(key, token, now)],
    ["subscriber lookup (tokenStillValid)", () => tokenStillValid(store, claims)],
  ] as const) {
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      for (let i = 0; i < CALLS; i++) await run();
      runs.push(((performance.now() - t) * 1000) / CALLS);
    }
    console.log(`${label.padEnd(38)} ${median(runs).toFixed(1)} µs per call (median of 5 × ${CALLS})`);
  }

  // Erasures, one at a time, each in its own atomic batch: room writers (their copies are renamed,
  // a scan of inbox) and subscribers who never wrote a room message (no scan).
  for (const [label, first] of [[`${MESSAGES_EACH} room messages in ${ROOM - 1} other streams`, 0], ["no room message", ERASURES]] as const) {
    const times: number[] = [];
    for (let e = first; e < first + ERASURES; e++) {
      const t = performance.now();
      await store.subscribers.erase(`s${e}`, erasedPseudonym(), Date.now());
      times.push(performance.now() - t);
    }
    console.log(`erase one subscriber (${PER_SUBSCRIBER} inbox items, ${label}): median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`);
  }

  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
