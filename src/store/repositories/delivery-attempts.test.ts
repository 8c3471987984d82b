/**
 * delivery_attempts (0014): each send recorded beside its delivery's outcome, bounded per delivery,
 * deleted with the delivery by retention, and stripped of provider answers when the subscriber is erased.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LibsqlStore, openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { erasureStatements } from "./erasure.js";

let opened: LibsqlStore;
const rows = async (sql: string) => (await opened.client.execute(sql)).rows.map((r) => ({ ...r }));

beforeEach(async () => {
  opened = await openLibsqlStore(`file:${join(mkdtempSync(join(tmpdir(), "herald-attempts-")), "herald.db")}`);
  // A notification from 2020 (its id starts with its time, as core/ids.ts makes them) with one failed delivery.
  await opened.client.batch([
    "INSERT INTO subscribers (id, email, created_at, updated_at) VALUES ('ann', 'ann@example.com', 0, 0)",
    "INSERT INTO events (id, type, body, received_at, planned_at) VALUES ('e1', 't', '{}', 0, 0)",
    "INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) VALUES ('ntf_000000001x', 'e1', 'r', 'ann', 0)",
    "INSERT INTO deliveries (id, notification_id, step, channel, template, status, attempts, created_at, updated_at) VALUES ('d1', 'ntf_000000001x', 0, 'email', 'x', 'failed', 0, 0, 0)",
  ]);
});
afterEach(() => opened.close());

const attempt = (i: number) =>
  opened.store.deliveries.attemptStatements([{ deliveryId: "d1", outcome: "retry", code: "http_500", answer: `550 ann@example.com unknown (${i})`, provider: "smtp", startedAt: 1000 * i, finishedAt: 1000 * i + 42 }])[0]!;

describe("delivery attempts", () => {
  it("numbers each send, keeps its answer and duration, and keeps only the newest 40 of a delivery", async () => {
    await opened.store.write([attempt(1)]);
    expect(await rows("SELECT n, at, outcome, code, answer, provider, duration_ms FROM delivery_attempts")).toEqual([
      { n: 1, at: 1042, outcome: "retry", code: "http_500", answer: "550 ann@example.com unknown (1)", provider: "smtp", duration_ms: 42 },
    ]);
    for (let i = 2; i <= 45; i++) await opened.store.write([attempt(i)]);
    const kept = await rows("SELECT n FROM delivery_attempts ORDER BY n");
    expect(kept.map((r) => r.n)).toEqual(Array.from({ length: 40 }, (_, i) => i + 6));
  });

  it("go with their delivery when retention deletes it", async () => {
    await opened.store.write([attempt(1), attempt(2)]);
    expect(await opened.store.retention.deleteNotifications(Date.now(), 100)).toBe(1);
    expect(await rows("SELECT * FROM deliveries")).toEqual([]);
    expect(await rows("SELECT * FROM delivery_attempts")).toEqual([]);
  });

  it("lose the provider's answer when the subscriber is erased, keeping time and outcome", async () => {
    await opened.store.write([attempt(1)]);
    await opened.store.write(erasureStatements(opened.store.db, { id: "ann", email: "ann@example.com", phone: null }, "~erased-x", 5000));
    expect(await rows("SELECT n, outcome, code, answer, provider_message_id FROM delivery_attempts")).toEqual([{ n: 1, outcome: "retry", code: "http_500", answer: null, provider_message_id: null }]);
  });
});
