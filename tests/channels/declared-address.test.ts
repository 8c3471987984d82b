/**
 * A channel can declare a subscriber address of its own (`addressField`) without any edit outside
 * its declaration: the subscriber API accepts and shows it, OpenAPI documents it, sends receive it,
 * erasure removes it, and an address link (a signed, single-use token the channel's webhook
 * redeems) records it. The channel here exists only in this test.
 */
import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { defineChannel, type AnyChannel } from "../../src/core/channels/define.js";
import { createChannelRegistry } from "../../src/core/channels/registry.js";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_API_KEY } from "../support/server.js";

const sent: { address?: string; subscriberId: string }[] = [];

/** A pager that reaches people by a numeric pager id they link by "dialling in" a token. */
const beeperChannel = defineChannel({
  id: "beeper",
  title: "Beeper",
  config: {},
  limits: {},
  content: z.strictObject({ text: z.string().max(100) }),
  addressField: { field: "beeper", schema: z.string().regex(/^\d{1,12}$/, "digits only"), description: "Pager number" },
  needs: ["addresses"],
  create: (_config, services) => ({
    async send(message) {
      sent.push({ address: message.address, subscriberId: message.subscriber.id });
      return { ok: true, providerMessageId: message.notificationId };
    },
    linkUrl: async (token) => `https://beeper.example/dial?code=${token}`,
    async webhook(request) {
      const { token, pager } = JSON.parse(request.body) as { token: string; pager: string };
      const linked = await services.addresses.link("beeper", token, pager);
      return { status: 200, body: JSON.stringify(linked), contentType: "application/json" };
    },
  }),
});

const clock = manualClock(Date.UTC(2026, 5, 1));
let herald: Herald;
let close: () => Promise<void>;
const call = inProcessApi(() => herald);
const hook = async (body: unknown) => (await call("POST", "/v1/channels/beeper/webhook", body)).body;

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  close = () => db.close();
  herald = await createHerald({ store: db.store, clock, logger: silentLogger, channels: [...builtInChannels, beeperChannel], env: { HERALD_API_KEY: TEST_API_KEY, HERALD_ADMIN_PASSWORD: "correct horse battery staple" } });
});
afterAll(async () => {
  await close();
});

describe("an address a channel declares", () => {
  it("is accepted, validated, shown and cleared by the subscriber API", async () => {
    const created = await call("PUT", "/v1/subscribers/ann", { name: "Ann", beeper: "4711" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "ann", name: "Ann", beeper: "4711" });
    expect((await call("GET", "/v1/subscribers/ann")).body.beeper).toBe("4711");
    // Other fields leave it as it was.
    expect((await call("PUT", "/v1/subscribers/ann", { locale: "ru" })).body.beeper).toBe("4711");
    const bad = await call("PUT", "/v1/subscribers/ann", { beeper: "47-11" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: "beeper", message: "digits only" })]);
    expect((await call("PUT", "/v1/subscribers/ann", { pagerr: "1" })).status).toBe(400);
    expect((await call("PUT", "/v1/subscribers/ann", { beeper: null })).body.beeper).toBeNull();
    expect((await call("GET", "/v1/subscribers/bob")).status).toBe(404);
    expect((await call("PUT", "/v1/subscribers/bob", {})).body.beeper).toBeNull();
  });

  it("is documented in OpenAPI", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    expect(doc.components.schemas.SubscriberInput.properties.beeper).toMatchObject({ type: ["string", "null"], pattern: "^\\d{1,12}$" });
    expect(doc.components.schemas.SubscriberInput.properties.beeper.description).toContain("beeper channel");
    expect(doc.components.schemas.Subscriber.properties.beeper).toBeDefined();
    expect(doc.paths["/v1/subscribers/{id}/links/{channel}"].post).toBeDefined();
  });

  it("is where sends go, and a subscriber without one falls back", async () => {
    await call("PUT", "/v1/subscribers/cid", { beeper: "1234" });
    await call("PUT", "/v1/subscribers/dan", {});
    await call("PUT", "/v1/templates/beep", { channels: { beeper: { text: "Hi {{subscriber.id}}" }, realtime: { title: "Beep", body: "Hi" } } });
    await call("PUT", "/v1/rules/beep", { event: "beep", steps: [{ channel: "beeper", template: "beep" }, { channel: "realtime", template: "beep", fallback: true }] });
    const cid = await call("POST", "/v1/events", { type: "beep", to: "cid" });
    const dan = await call("POST", "/v1/events", { type: "beep", to: "dan" });
    await herald.outbox.drain();
    expect(sent).toEqual([{ address: "1234", subscriberId: "cid" }]);
    const danEvent = (await call("GET", `/v1/events/${dan.body.id}`)).body;
    expect(danEvent.notifications[0].deliveries.map((d: { channel: string; status: string; lastError: string }) => [d.channel, d.status])).toEqual([
      ["beeper", "failed"],
      ["realtime", "sent"],
    ]);
    expect((await call("GET", `/v1/events/${cid.body.id}`)).body.notifications[0].deliveries[0]).toMatchObject({ channel: "beeper", status: "sent" });
  });

  it("is recorded by redeeming a signed, single-use link, which expires", async () => {
    await call("PUT", "/v1/subscribers/eve", {});
    const issued = await call("POST", "/v1/subscribers/eve/links/beeper", {});
    expect(issued.status).toBe(201);
    expect(issued.body.expiresAt).toBe(new Date(clock.now() + 15 * 60_000).toISOString());
    const token = new URL(issued.body.url).searchParams.get("code")!;
    // Telegram's start parameter: at most 64 characters of A-Z a-z 0-9 _ -.
    expect(token).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(await hook({ token, pager: "not digits" })).toEqual({ ok: false, reason: "invalid_address" });
    // A token changed in one place is refused (its MAC no longer matches).
    const forged = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    expect(await hook({ token: forged, pager: "555" })).toEqual({ ok: false, reason: "invalid" });
    expect(await hook({ token, pager: "555" })).toEqual({ ok: true, subscriberId: "eve" });
    expect((await call("GET", "/v1/subscribers/eve")).body.beeper).toBe("555");
    // Single use.
    expect(await hook({ token, pager: "666" })).toEqual({ ok: false, reason: "invalid" });
    expect((await call("GET", "/v1/subscribers/eve")).body.beeper).toBe("555");

    const late = new URL((await call("POST", "/v1/subscribers/eve/links/beeper", { ttlSeconds: 60 })).body.url).searchParams.get("code")!;
    clock.advance(61_000);
    expect(await hook({ token: late, pager: "777" })).toEqual({ ok: false, reason: "expired" });

    // A newer link replaces the older one.
    const first = new URL((await call("POST", "/v1/subscribers/eve/links/beeper", {})).body.url).searchParams.get("code")!;
    const second = new URL((await call("POST", "/v1/subscribers/eve/links/beeper", {})).body.url).searchParams.get("code")!;
    expect(await hook({ token: first, pager: "888" })).toEqual({ ok: false, reason: "invalid" });
    expect(await hook({ token: second, pager: "888" })).toEqual({ ok: true, subscriberId: "eve" });

    expect((await call("POST", "/v1/subscribers/nobody/links/beeper", {})).status).toBe(404);
    expect((await call("POST", "/v1/subscribers/eve/links/sms", {})).status).toBe(404);
    expect((await call("POST", "/v1/subscribers/eve/links/beeper", {}, "wrong-key")).status).toBe(401);
  });

  it("lifts a suppression of the address when it is linked again", async () => {
    await herald.store.suppressions.add("beeper", [{ address: "999", reason: "blocked" }], clock.now());
    await call("PUT", "/v1/subscribers/fay", {});
    const token = new URL((await call("POST", "/v1/subscribers/fay/links/beeper", {})).body.url).searchParams.get("code")!;
    expect(await hook({ token, pager: "999" })).toEqual({ ok: true, subscriberId: "fay" });
    expect(await herald.store.suppressions.reason("beeper", "999")).toBeUndefined();
  });

  it("is erased with the subscriber, with their outstanding links", async () => {
    await call("PUT", "/v1/subscribers/gus", { beeper: "31337" });
    const token = new URL((await call("POST", "/v1/subscribers/gus/links/beeper", {})).body.url).searchParams.get("code")!;
    expect((await call("DELETE", "/v1/subscribers/gus")).status).toBe(204);
    const rows = await herald.store.db.all(sql`SELECT * FROM subscriber_addresses WHERE subscriber_id = 'gus' OR address = '31337'`);
    expect(rows).toEqual([]);
    expect(await herald.store.db.all(sql`SELECT * FROM address_links WHERE subscriber_id = 'gus'`)).toEqual([]);
    expect(await hook({ token, pager: "31337" })).toEqual({ ok: false, reason: "invalid" });
    await call("PUT", "/v1/subscribers/gus", {});
    expect((await call("GET", "/v1/subscribers/gus")).body.beeper).toBeNull();
  });
});

describe("declaring an address field", () => {
  const declaring = (id: string, field: string): AnyChannel =>
    defineChannel({ id, title: id, config: {}, limits: {}, content: z.strictObject({ text: z.string() }), addressField: { field, schema: z.string(), description: "x" }, create: () => ({ send: async () => ({ ok: true }) }) });

  it("refuses a fixed subscriber field, a malformed name, and one field declared twice", () => {
    expect(() => createChannelRegistry([declaring("a", "email")], {})).toThrow(/fixed subscriber field/);
    expect(() => createChannelRegistry([declaring("a", "Tele-gram")], {})).toThrow(/camelCase/);
    expect(() => createChannelRegistry([declaring("a", "chat"), declaring("b", "chat")], {})).toThrow(/both declare/);
    expect(createChannelRegistry([declaring("a", "chat")], {}).addressFields().map((f) => [f.channel, f.field])).toEqual([["a", "chat"]]);
  });
});
