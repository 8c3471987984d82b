/**
 * A channel's `limits.concurrency` holds however many outbox slots are free. In process, with a
 * channel whose sends are slow, so the count of sends in flight is exact.
 */
import { afterAll, expect, it } from "vitest";
import { z } from "@hono/zod-openapi";
import { defineChannel } from "../../src/core/channels/define.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { eventually, tempDatabaseUrl, TEST_API_KEY, TEST_SECRETS } from "../support/server.js";

let inFlight = 0;
let maxInFlight = 0;
let sent = 0;
// Template content is keyed by the built-in channel names, so the slow stand-in takes the SMS slot.
const slowChannel = defineChannel({
  id: "sms",
  title: "Slow provider",
  config: {},
  limits: { concurrency: 3 },
  content: z.strictObject({ text: z.string() }),
  create: () => ({
    async send() {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight--;
      sent++;
      return { ok: true as const };
    },
  }),
});

let herald: Herald | undefined;
let closeDb: (() => void) | undefined;
afterAll(async () => {
  await herald?.outbox.stop();
  closeDb?.();
});

it("never has more sends in flight on a channel than its limit, with more outbox slots free", async () => {
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({ store, env: { ...TEST_SECRETS }, channels: [slowChannel], logger: silentLogger, outbox: { concurrency: 16 } });
  herald.outbox.start();
  const call = (method: string, path: string, body: unknown) =>
    herald!.app.request(path, { method, headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect((await call("PUT", "/v1/templates/slow", { channels: { sms: { text: "x" } } })).status).toBe(200);
  await call("PUT", "/v1/rules/slow", { event: "slow.event", to: { subscriber: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"] }, steps: [{ channel: "sms", template: "slow" }] });
  expect((await call("POST", "/v1/events", { type: "slow.event" })).status).toBe(202);
  await eventually(() => sent >= 12, 10_000);
  expect(maxInFlight).toBe(3);
});
