/**
 * The delivery counts of 0021_delivery_counts.sql (per event and status, per channel and status) stay
 * equal to counting the deliveries, whatever is done to them: inserts in bulk, status changes one by
 * one and in sets, a status set to itself, deletes (retention), over several events; and a database
 * migrated with deliveries already in it starts with their counts. Random operations from a fixed
 * seed, checked after every one.
 */
import { createClient } from "@libsql/client";
import { describe, expect, it } from "vitest";
import { migrateLibsql, readMigrations } from "../runtimes/shared/libsql-store.js";
import { prng } from "../../tests/support/prng.js";

const STATUSES = ["pending", "waiting", "sent", "delivered", "failed", "cancelled"];
const CHANNELS = ["email", "push", "sms", "realtime"];

async function database(migrations = readMigrations()) {
  const client = createClient({ url: ":memory:" });
  await migrateLibsql(client, migrations);
  const rows = async (sql: string, args: (string | number)[] = []) => (await client.execute({ sql, args })).rows.map((r) => ({ ...r }));
  return { client, rows };
}

async function expectCountsTrue(rows: Awaited<ReturnType<typeof database>>["rows"], step: string) {
  const byEvent = await rows("SELECT n.event_id AS event_id, d.status AS status, count(*) AS n FROM deliveries d JOIN notifications n ON n.id = d.notification_id GROUP BY 1, 2 ORDER BY 1, 2");
  const byChannel = await rows("SELECT channel, status, count(*) AS n FROM deliveries GROUP BY 1, 2 ORDER BY 1, 2");
  expect(await rows("SELECT event_id, status, n FROM delivery_counts_by_event ORDER BY 1, 2"), step).toEqual(byEvent);
  expect(await rows("SELECT channel, status, n FROM delivery_counts ORDER BY 1, 2"), step).toEqual(byChannel);
}

describe("delivery counts", () => {
  it("equal counting the deliveries after every insert, status change and delete (400 random operations)", async () => {
    const { client, rows } = await database();
    const next = prng(20261206);
    const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
    let made = 0;
    for (let step = 0; step < 400; step++) {
      const op = next();
      if (op < 0.25 || made === 0) {
        // A plan part: notifications of one event, then their deliveries in one statement.
        const event = `ev-${Math.floor(next() * 5)}`;
        const count = 1 + Math.floor(next() * 30);
        const ids = Array.from({ length: count }, () => `n-${made++}`);
        const deliveries = ids.flatMap((id) => Array.from({ length: 1 + Math.floor(next() * 2) }, (_, step) => ({ id: `d-${id}-${step}`, n: id, step, channel: pick(CHANNELS), status: pick(["pending", "waiting"]) })));
        await client.batch([
          { sql: "INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) SELECT value, ?, 'r', 's', 0 FROM json_each(?)", args: [event, JSON.stringify(ids)] },
          { sql: "INSERT INTO deliveries (id, notification_id, step, channel, template, status, created_at, updated_at) SELECT value ->> 'id', value ->> 'n', value ->> 'step', value ->> 'channel', 't', value ->> 'status', 0, 0 FROM json_each(?)", args: [JSON.stringify(deliveries)] },
        ], "write");
      } else if (op < 0.6) {
        await client.execute({ sql: "UPDATE deliveries SET status = ? WHERE id = (SELECT id FROM deliveries ORDER BY random() LIMIT 1)", args: [pick(STATUSES)] });
      } else if (op < 0.75) {
        // A set at once, some already in that status.
        await client.execute({ sql: "UPDATE deliveries SET status = ? WHERE rowid IN (SELECT rowid FROM deliveries ORDER BY random() LIMIT 20)", args: [pick(STATUSES)] });
      } else if (op < 0.85) {
        await client.execute("UPDATE deliveries SET attempts = attempts + 1 WHERE rowid IN (SELECT rowid FROM deliveries ORDER BY random() LIMIT 5)");
      } else {
        // Retention: deliveries first, then their notifications.
        const victims = (await rows("SELECT DISTINCT notification_id AS id FROM deliveries ORDER BY random() LIMIT 10")).map((r) => String(r.id));
        await client.batch([
          { sql: "DELETE FROM deliveries WHERE notification_id IN (SELECT value FROM json_each(?))", args: [JSON.stringify(victims)] },
          { sql: "DELETE FROM notifications WHERE id IN (SELECT value FROM json_each(?))", args: [JSON.stringify(victims)] },
        ], "write");
      }
      await expectCountsTrue(rows, `seed 20261206, step ${step}`);
    }
    // Nothing at 0 is kept: retention empties the counts with the deliveries.
    expect(await rows("SELECT count(*) AS n FROM delivery_counts_by_event WHERE n <= 0")).toEqual([{ n: 0 }]);
    await client.batch(["DELETE FROM deliveries", "DELETE FROM notifications"], "write");
    expect(await rows("SELECT (SELECT count(*) FROM delivery_counts_by_event) + (SELECT count(*) FROM delivery_counts) AS n")).toEqual([{ n: 0 }]);
    client.close();
  });

  it("start from the deliveries a database already has when it is migrated", async () => {
    const all = readMigrations();
    const { client, rows } = await database(all.filter((m) => m.name < "0021"));
    await client.batch([
      "INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) VALUES ('a', 'ev-1', 'r', 's', 0), ('b', 'ev-1', 'r', 's', 0), ('c', 'ev-2', 'r', 's', 0)",
      "INSERT INTO deliveries (id, notification_id, step, channel, template, status, created_at, updated_at) VALUES ('da', 'a', 0, 'email', 't', 'sent', 0, 0), ('db', 'b', 0, 'email', 't', 'failed', 0, 0), ('db2', 'b', 1, 'sms', 't', 'sent', 0, 0), ('dc', 'c', 0, 'push', 't', 'pending', 0, 0)",
    ], "write");
    await migrateLibsql(client, all);
    expect(await rows("SELECT event_id, status, n FROM delivery_counts_by_event ORDER BY 1, 2")).toEqual([
      { event_id: "ev-1", status: "failed", n: 1 },
      { event_id: "ev-1", status: "sent", n: 2 },
      { event_id: "ev-2", status: "pending", n: 1 },
    ]);
    await client.execute("UPDATE deliveries SET status = 'sent' WHERE id = 'dc'");
    await expectCountsTrue(rows, "after the migration");
    client.close();
  });
});
