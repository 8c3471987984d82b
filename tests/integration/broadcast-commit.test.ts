/**
 * A broadcast is one commit: its event, its list entry and its ad hoc template are written together.
 * The store here refuses broadcast events (a trigger answering as SQLite does for JSON it cannot
 * take), so the request is a 400 and must leave no template and no list entry behind; once the store
 * takes them again, all three are there. Herald in process over a real libSQL database.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { AD_HOC_TEMPLATE_PREFIX, BROADCAST_EVENT } from "../../src/core/broadcasts.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

let herald: Herald;
let closeDb: () => Promise<void>;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  closeDb = db.close;
  herald = await createHerald({ store: db.store, logger: silentLogger, channels: builtInChannels, env: { ...TEST_SECRETS } });
  await call("PUT", "/v1/subscribers/reader", { name: "Reader" });
});
afterAll(async () => {
  await closeDb?.();
});

const adHocTemplates = async () => (await herald.store.templates.list()).filter((t) => t.key.startsWith(AD_HOC_TEMPLATE_PREFIX));
const broadcast = { content: { title: "Closing early", body: "We close at 3 pm today" }, audience: { all: true } };

describe("starting a broadcast", () => {
  it("leaves no ad hoc template and no list entry when the store refuses its event", async () => {
    await herald.store.db.run(
      sql.raw(`CREATE TRIGGER refuse_broadcasts BEFORE INSERT ON events WHEN NEW.type = '${BROADCAST_EVENT}' BEGIN SELECT RAISE(ABORT, 'malformed JSON'); END`),
    );
    const refused = await call("POST", "/v1/broadcasts", broadcast);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: expect.stringContaining("data-refused") });
    expect(await adHocTemplates()).toEqual([]);
    expect(await herald.store.broadcasts.list(10)).toEqual([]);

    await herald.store.db.run(sql.raw("DROP TRIGGER refuse_broadcasts"));
    const taken = await call("POST", "/v1/broadcasts", broadcast);
    expect(taken.status).toBe(202);
    const id = taken.body.id as string;
    expect((await herald.store.events.get(id))?.type).toBe(BROADCAST_EVENT);
    expect((await adHocTemplates()).map((t) => t.key)).toEqual([AD_HOC_TEMPLATE_PREFIX + id]);
    expect((await herald.store.broadcasts.list(10)).map((b) => b.id)).toEqual([id]);
  });
});
