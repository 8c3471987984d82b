/**
 * Room history pages without a gap where messages share a millisecond (GET
 * /v1/me/topics/{key}/messages?beforeMessage=…), on a Herald in this process whose clock stands
 * still: 250 messages posted "at once", as a plugin's system messages or a busy room can be. Paging
 * by the oldest message's time skipped the rest of its millisecond; paging from the message itself
 * goes on inside it. The SDK's catch-up pages this way (src/client/herald.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const NOW = Date.parse("2026-12-06T10:00:00.000Z");
let herald: Herald;
let close: () => Promise<void>;
let token: string;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  close = () => db.close();
  herald = await createHerald({ store: db.store, logger: { log: () => {} }, channels: builtInChannels, clock: { now: () => NOW }, env: { ...TEST_SECRETS } });
  for (const id of ["alice", "bob"]) await call("PUT", `/v1/subscribers/${id}`, { name: id });
  for (const room of ["busy", "other"]) {
    await call("PUT", `/v1/topics/${room}`, { name: room, allowMemberMessages: true });
    await call("PUT", `/v1/topics/${room}/subscribers/alice`);
  }
  token = (await call("POST", "/v1/subscribers/alice/tokens", {})).body.token;
  for (let n = 0; n < 250; n++) expect((await call("POST", "/v1/me/topics/busy/messages", { clientMessageId: `c-${n}`, body: `m${n}` }, token)).status).toBe(201);
  await call("POST", "/v1/me/topics/other/messages", { clientMessageId: "o-1", body: "elsewhere" }, token);
});
afterAll(() => close());

const page = async (query: string) => {
  const res = await call("GET", `/v1/me/topics/busy/messages?limit=100${query}`, undefined, token);
  return res.status === 200 ? (res.body.items as { id: string; body: string; createdAt: string }[]) : res;
};

describe("room history in one millisecond", () => {
  it("pages back from the oldest message of a page through all 250, in the order they were posted", async () => {
    const pages: { id: string; body: string }[][] = [];
    for (let from = ""; pages.length < 5; ) {
      const items = (await page(from)) as { id: string; body: string }[];
      pages.unshift(items);
      if (items.length < 100) break;
      from = `&beforeMessage=${items[0]!.id}`;
    }
    expect(pages.flat().map((m) => m.body)).toEqual(Array.from({ length: 250 }, (_, n) => `m${n}`));
  });

  it("still pages by time with `before`, which cannot split a millisecond", async () => {
    const first = (await page("")) as { createdAt: string }[];
    expect(first).toHaveLength(100);
    expect(await page(`&before=${encodeURIComponent(first[0]!.createdAt)}`)).toEqual([]);
  });

  it("refuses a message of another room, an unknown one, or both cursors at once, as problem+json 400", async () => {
    const other = (await call("GET", "/v1/me/topics/other/messages", undefined, token)).body.items[0].id;
    for (const query of [`&beforeMessage=${other}`, "&beforeMessage=msg_nothing", `&beforeMessage=${other}&before=2026-12-06T10:00:00.000Z`]) {
      const res = (await page(query)) as { status: number; body: { errors: { path: string }[] } };
      expect(res.status).toBe(400);
      expect(res.body.errors[0]!.path).toBe("beforeMessage");
    }
  });
});
