/** Housekeeping (the Worker cron, an hourly timer on Node and Deno) deletes only what has expired. */
import { afterAll, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { tempDatabaseUrl, TEST_API_KEY } from "../support/server.js";

let herald: Herald | undefined;
let closeDb: (() => void) | undefined;
afterAll(() => closeDb?.());

it("deletes expired admin sessions and day-old login attempts, and keeps the rest", async () => {
  const clock = manualClock(Date.UTC(2026, 10, 22, 12));
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({ store, clock, logger: silentLogger, channels: [], env: { HERALD_API_KEY: TEST_API_KEY, HERALD_ADMIN_PASSWORD: "correct horse" } });
  const now = clock.now();
  await store.adminSessions.create({ idHash: "live", csrf: "b", createdAt: now, expiresAt: now + 12 * 3600_000 });
  // Made last: creating a session also clears sessions expired by then, which would hide the test.
  await store.adminSessions.create({ idHash: "expired", csrf: "a", createdAt: now - 13 * 3600_000, expiresAt: now - 3600_000 });
  await store.adminSessions.countAttempt("old-client", now - 2 * 86_400_000, 15 * 60_000);
  await store.adminSessions.countAttempt("recent-client", now - 60_000, 15 * 60_000);

  await herald.housekeeping();

  const sessions = (await client.execute("SELECT id_hash FROM admin_sessions ORDER BY id_hash")).rows.map((r) => r.id_hash);
  const attempts = (await client.execute("SELECT key FROM admin_login_attempts ORDER BY key")).rows.map((r) => r.key);
  expect(sessions).toEqual(["live"]);
  expect(attempts).toEqual(["recent-client"]);
});
