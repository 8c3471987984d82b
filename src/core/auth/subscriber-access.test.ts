import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../channels/index.js";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { inProcessApi } from "../../../tests/support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../../../tests/support/server.js";
import { manualClock } from "../clock.js";
import { createHerald, type Herald } from "../engine.js";
import { silentLogger } from "../logger.js";
import { unsubscribeUrl } from "./unsubscribe-link.js";
import { issueToken, type TokenClaims } from "./subscriber-token.js";

const clock = manualClock(Date.UTC(2026, 11, 1, 9, 0, 0));
let herald: Herald;
let close: () => void;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  close = () => client.close();
  herald = await createHerald({ store, clock, logger: silentLogger, channels: builtInChannels, env: { ...TEST_SECRETS } });
});
afterAll(() => close?.());

const sign = (claims: TokenClaims) => issueToken(herald.secrets.tokenKey, claims);
const exp = () => Math.floor(clock.now() / 1000) + 3600;

describe("subscriber tokens after an erasure", () => {
  it("are refused, of every kind: full, receipt (service worker), and made before tokens carried iat", async () => {
    await call("PUT", "/v1/subscribers/gone", { name: "Gone" });
    clock.advance(5);
    const full = (await call("POST", "/v1/subscribers/gone/tokens", {})).body.token;
    const receipt = await sign({ sub: "gone", exp: exp(), scope: "receipts", iat: clock.now() });
    const legacy = await sign({ sub: "gone", exp: exp() });
    // Accepted while the subscriber exists (a receipt for an unknown notification is a 404, not a 401).
    expect((await call("GET", "/v1/me/unread-count", undefined, full)).status).toBe(200);
    expect((await call("GET", "/v1/me/unread-count", undefined, legacy)).status).toBe(200);
    expect((await call("POST", "/v1/me/notifications/ntf_x/seen", undefined, receipt)).status).toBe(404);

    clock.advance(5);
    expect((await call("DELETE", "/v1/subscribers/gone")).status).toBe(204);
    for (const token of [full, legacy]) expect((await call("GET", "/v1/me/unread-count", undefined, token)).status).toBe(401);
    expect((await call("POST", "/v1/me/notifications/ntf_x/seen", undefined, receipt)).status).toBe(401);

    // Someone new under the same id: tokens issued before them stay refused (all but the legacy
    // one, which names no time: it lives on until it expires, as documented).
    clock.advance(5);
    await call("PUT", "/v1/subscribers/gone", { name: "Someone else" });
    expect((await call("GET", "/v1/me/unread-count", undefined, full)).status).toBe(401);
    expect((await call("POST", "/v1/me/notifications/ntf_x/seen", undefined, receipt)).status).toBe(401);
    const fresh = (await call("POST", "/v1/subscribers/gone/tokens", {})).body.token;
    expect((await call("GET", "/v1/me/unread-count", undefined, fresh)).status).toBe(200);
  });

  it("are refused for a subscriber who never existed", async () => {
    const token = await sign({ sub: "nobody", exp: exp(), iat: clock.now() });
    expect((await call("GET", "/v1/me/notifications", undefined, token)).status).toBe(401);
  });

  it("leave an old unsubscribe link without effect on someone created later under the same id", async () => {
    await call("PUT", "/v1/subscribers/mailed", { name: "M", email: "m@example.com" });
    clock.advance(5);
    const link = new URL(await unsubscribeUrl(herald.secrets.tokenKey, "http://h", "mailed", "email", clock.now()));
    clock.advance(5);
    await call("DELETE", "/v1/subscribers/mailed");
    clock.advance(5);
    await call("PUT", "/v1/subscribers/mailed", { name: "New", email: "m@example.com" });
    const res = await herald.app.request(link.pathname, { method: "POST" });
    expect(res.status).toBe(200);
    expect((await call("GET", "/v1/subscribers/mailed/preferences")).body).toEqual({});
  });
});
