import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, type HeraldProcess, startHerald } from "../support/server.js";

const PASSWORD = "s3cret admin password";
let herald: HeraldProcess;
let peer: MattermostPeer;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  peer = await startMattermostPeer();
  herald = await startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD, MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_RETRY_MAX_ATTEMPTS: "1" } });
  call = api(herald.url);
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});

/** A browser-like client: the session cookie, and the CSRF token unless told otherwise. */
async function session(password = PASSWORD, headers: Record<string, string> = {}) {
  const res = await fetch(`${herald.url}/v1/admin/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ password }) });
  const body = await res.json();
  // The session cookie (a login also renews the device cookie: admin/login-limit.ts).
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("herald_admin=")) ?? "";
  const cookie = setCookie.split(";")[0]!;
  const send = async (method: string, path: string, json?: unknown, csrf: string | null = body.csrfToken) => {
    const r = await fetch(herald.url + path, {
      method,
      headers: { cookie, ...(json !== undefined ? { "content-type": "application/json" } : {}), ...(csrf ? { "x-herald-csrf": csrf } : {}) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await r.text();
    return { status: r.status, type: r.headers.get("content-type"), body: text ? JSON.parse(text) : undefined };
  };
  return { status: res.status, body, setCookie, cookie, send };
}

describe("admin authentication", () => {
  it("refuses every admin API without a session or key, as problem+json 401", async () => {
    const anonymous = api(herald.url, null);
    for (const [method, path] of [
      ["GET", "/v1/admin/stats/timeseries"],
      ["GET", "/v1/admin/deliveries"],
      ["POST", "/v1/admin/deliveries/x/retry"],
      ["GET", "/v1/admin/subscribers"],
      ["GET", "/v1/admin/subscribers/x"],
      ["GET", "/v1/admin/templates"],
      ["GET", "/v1/admin/templates/x/versions"],
      ["POST", "/v1/admin/templates/x/versions/1/restore"],
      ["POST", "/v1/admin/templates/preview"],
      ["POST", "/v1/admin/rules/dry-run"],
      ["POST", "/v1/admin/logout"],
      ["GET", "/v1/broadcasts"],
      ["GET", "/v1/rules"],
    ]) {
      const res = await anonymous(method!, path!, method === "POST" ? {} : undefined);
      expect([path, res.status, res.headers.get("content-type")]).toEqual([path, 401, "application/problem+json"]);
    }
    const forged = await anonymous("GET", "/v1/admin/templates", undefined, { cookie: "herald_admin=forged-session-value" });
    expect(forged.status).toBe(401);
    // HERALD_ADMIN_PASSWORD is set here: the login page is told only that, nothing of the password.
    expect((await anonymous("GET", "/v1/admin/session")).body).toEqual({ authenticated: false, password: { from: "environment" } });
  });

  it("logs in with the password into an HttpOnly SameSite=Strict cookie (Secure over HTTPS) and refuses a wrong one", async () => {
    const wrong = await session("not the password");
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBe("");
    const right = await session();
    expect(right.status).toBe(200);
    expect(right.setCookie).toMatch(/^herald_admin=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(right.body.csrfToken).toMatch(/^[\w-]{30,}$/);
    const https = await session(PASSWORD, { "x-forwarded-proto": "https" });
    expect(https.setCookie).toMatch(/; Secure$/);
    const state = await right.send("GET", "/v1/admin/session");
    expect(state.body).toMatchObject({ authenticated: true, csrfToken: right.body.csrfToken });
  });

  it("lets a session use the /v1 API, but refuses a state change without the session's CSRF token", async () => {
    const s = await session();
    expect((await s.send("GET", "/v1/rules", undefined, null)).status).toBe(200);
    const template = { channels: { realtime: { title: "t", body: "b" } } };
    const missing = await s.send("PUT", "/v1/templates/csrf-test", template, null);
    expect([missing.status, missing.type, missing.body.type]).toEqual([403, "application/problem+json", "https://herald.dev/problems/csrf"]);
    const other = await session();
    expect((await s.send("PUT", "/v1/templates/csrf-test", template, other.body.csrfToken)).status).toBe(403);
    expect((await s.send("PUT", "/v1/templates/csrf-test", template)).status).toBe(200);
  });

  it("ends the session at logout", async () => {
    const s = await session();
    expect((await s.send("POST", "/v1/admin/logout")).status).toBe(204);
    expect((await s.send("GET", "/v1/admin/templates")).status).toBe(401);
  });

  // Not on workerd: a Worker boots on its first request (the password is printed to its log then), and
  // each wrangler dev gets a fresh local D1, so there is no second start on the same database.
  it.skipIf(process.env.HERALD_TEST_RUNTIME === "workerd")("generates and prints a password once when HERALD_ADMIN_PASSWORD is unset, and keeps only its hash", async () => {
    const first = await startHerald();
    const databaseUrl = first.databaseUrl;
    let password: string;
    try {
      password = /admin password for \/admin\/ \(shown once, store it now\): (\S+)/.exec(first.logs.join(""))![1]!;
      const login = (pw: string) => fetch(`${first.url}/v1/admin/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: pw }) });
      expect((await login(password)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const db = createClient({ url: databaseUrl });
    const stored = (await db.execute("SELECT value FROM settings WHERE key = 'admin_password_pbkdf2'")).rows[0]!.value as string;
    db.close();
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    const again = await startHerald({ databaseUrl });
    try {
      expect(again.logs.join("")).not.toContain("admin password");
      const res = await fetch(`${again.url}/v1/admin/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password }) });
      expect(res.status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it("throttles login attempts, refusing even the right password until the window passes", async () => {
    const limited = await startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD, HERALD_ADMIN_LOGIN_ATTEMPTS: "3", HERALD_ADMIN_LOGIN_WINDOW_SECONDS: "2" } });
    try {
      const login = (password: string) => fetch(`${limited.url}/v1/admin/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password }) });
      for (let i = 0; i < 3; i++) expect((await login("guess")).status).toBe(401);
      const refused = await login(PASSWORD);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      await new Promise((r) => setTimeout(r, 2100));
      expect((await login(PASSWORD)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe("admin API", () => {
  it("keeps every saved version of a template and restores one as the newest", async () => {
    for (const title of ["one", "two", "three"]) expect((await call("PUT", "/v1/templates/versioned", { channels: { realtime: { title, body: "b" } } })).status).toBe(200);
    const versions = await call("GET", "/v1/admin/templates/versioned/versions");
    expect(versions.body.items.map((v: any) => [v.version, v.body.channels.realtime.title])).toEqual([
      [3, "three"],
      [2, "two"],
      [1, "one"],
    ]);
    const restored = await call("POST", "/v1/admin/templates/versioned/versions/1/restore");
    expect(restored.body).toMatchObject({ version: 4, channels: { realtime: { title: "one" } } });
    expect((await call("GET", "/v1/templates/versioned")).body.channels.realtime.title).toBe("one");
    expect((await call("POST", "/v1/admin/templates/versioned/versions/9/restore")).status).toBe(404);
    expect((await call("GET", "/v1/admin/templates/nothing-here/versions")).status).toBe(404);
    expect((await call("GET", "/v1/admin/templates")).body.items.map((t: any) => t.key)).toContain("versioned");
  });

  it("previews an unsaved template body, and names the broken field", async () => {
    const ok = await call("POST", "/v1/admin/templates/preview", {
      template: { channels: { push: { title: "Hi {{subscriber.name}}", body: "Order {{data.order}}", actions: [{ action: "track", title: "Track" }] } } },
      data: { order: 7 },
      subscriber: { name: "Ann" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.channels.push).toMatchObject({ title: "Hi Ann", body: "Order 7", actions: [{ action: "track", title: "Track" }] });
    const broken = await call("POST", "/v1/admin/templates/preview", { template: { channels: { realtime: { title: "{{#if x}}", body: "b" } } } });
    expect(broken.status).toBe(422);
    expect(broken.body.errors.map((e: any) => e.path)).toEqual(["channels.realtime.title"]);
    const invalid = await call("POST", "/v1/admin/templates/preview", { template: { channels: { realtime: { title: "x" } } } });
    expect(invalid.status).toBe(400);
  });

  it("dry-runs an event: the matching rule, its recipients and messages, and nothing is stored or sent", async () => {
    await call("PUT", "/v1/templates/dry", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}} for {{subscriber.name}}" } } });
    for (const id of ["d1", "d2", "d3"]) {
      await call("PUT", `/v1/subscribers/${id}`, { name: id.toUpperCase() });
      await call("PUT", `/v1/topics/dry-topic/subscribers/${id}`);
    }
    await call("PUT", "/v1/rules/dry-courier", { event: "dry.order", if: { "data.status": "courier" }, to: { topic: "dry-topic" }, steps: [{ channel: "realtime", template: "dry", delay: "5m" }] });
    await call("PUT", "/v1/rules/dry-delivered", { event: "dry.order", if: { "data.status": "delivered" }, steps: [{ channel: "realtime", template: "dry" }] });
    await call("PUT", "/v1/rules/dry-off", { event: "dry.order", steps: [{ channel: "realtime", template: "dry" }], enabled: false });
    const before = (await call("GET", "/v1/stats")).body.totals;
    const res = await call("POST", "/v1/admin/rules/dry-run", { event: { type: "dry.order", id: "dry-1", data: { order: 5, status: "courier" } } });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.rules.map((r: any) => [r.id, r]));
    expect(byId["dry-courier"]).toMatchObject({ matched: true, recipients: 3, sample: ["d1", "d2", "d3"], sampled: false, steps: [{ channel: "realtime", template: "dry", waitMs: 300_000 }] });
    expect(byId["dry-courier"].messages[0]).toEqual({ subscriberId: "d1", channel: "realtime", template: "dry", content: { title: "Order 5", body: "courier for D1" } });
    expect(byId["dry-delivered"]).toMatchObject({ matched: false, reason: "condition not met" });
    expect(byId["dry-off"]).toMatchObject({ matched: false, reason: "disabled (would match)" });
    // An unsaved edit can be tried in place of the stored rule.
    const draft = await call("POST", "/v1/admin/rules/dry-run", { event: { type: "dry.order", to: "d2", data: { status: "delivered" } }, rule: { id: "dry-delivered", event: "dry.order", steps: [{ channel: "realtime", template: "dry" }] } });
    expect(draft.body.rules.find((r: any) => r.id === "dry-delivered")).toMatchObject({ matched: true, sample: ["d2"] });
    expect((await call("GET", "/v1/events/dry-1")).status).toBe(404);
    expect((await call("GET", "/v1/stats")).body.totals).toEqual(before);
    // A topic larger than the sample: counted, and only its first 20 members named.
    const many = Array.from({ length: 24 }, (_, i) => `dry-m${String(i).padStart(2, "0")}`);
    await Promise.all(many.map(async (id) => (await call("PUT", `/v1/subscribers/${id}`, {}), await call("PUT", `/v1/topics/dry-many/subscribers/${id}`))));
    const wide = await call("POST", "/v1/admin/rules/dry-run", { event: { type: "dry.order", data: { status: "delivered" } }, rule: { id: "dry-delivered", event: "dry.order", to: { topic: "dry-many" }, steps: [{ channel: "realtime", template: "dry" }] } });
    expect(wide.body.rules.find((r: any) => r.id === "dry-delivered")).toMatchObject({ matched: true, recipients: 24, sampled: true, sample: many.slice(0, 20) });
    const bad = await call("POST", "/v1/admin/rules/dry-run", { event: { data: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("event.type");
  });

  it("lists failures with their reason and retries a dead delivery", async () => {
    await call("PUT", "/v1/templates/mm", { channels: { mattermost: { text: "hello {{subscriber.id}}" } } });
    await call("PUT", "/v1/rules/mm", { event: "mm.ping", steps: [{ channel: "mattermost", template: "mm" }] });
    await call("PUT", "/v1/subscribers/mm-1", { name: "M" });
    peer.failWith = 503;
    await call("POST", "/v1/events", { id: "mm-ev-1", type: "mm.ping", to: "mm-1" });
    const failure = await eventually(async () => (await call("GET", "/v1/admin/deliveries?status=dead")).body.items.find((d: any) => d.eventId === "mm-ev-1"));
    expect(failure).toMatchObject({ channel: "mattermost", status: "dead", subscriberId: "mm-1" });
    expect(failure.lastError).toContain("503");
    peer.failWith = undefined;
    const retried = await call("POST", `/v1/admin/deliveries/${failure.id}/retry`);
    expect(retried.status).toBe(202);
    await eventually(async () => (await call("GET", "/v1/events/mm-ev-1")).body.notifications[0].deliveries[0].status === "sent");
    expect(peer.received.some((p) => p.text === "hello mm-1")).toBe(true);
    expect((await call("POST", `/v1/admin/deliveries/${failure.id}/retry`)).status).toBe(409);
    expect((await call("POST", "/v1/admin/deliveries/nope/retry")).status).toBe(404);
    const series = await call("GET", "/v1/admin/stats/timeseries?hours=1&buckets=6");
    expect(series.body.times).toHaveLength(7);
    expect(series.body.channels.mattermost.sent.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });

  it("finds subscribers and shows one in full", async () => {
    await call("PUT", "/v1/subscribers/search-ann", { name: "Ann Search", email: "ann@example.com", data: { city: "Kazan" } });
    await call("PUT", "/v1/topics/search-topic/subscribers/search-ann");
    const found = await call("GET", "/v1/admin/subscribers?q=ann%40example");
    expect(found.body.items.map((s: any) => s.id)).toEqual(["search-ann"]);
    expect((await call("GET", "/v1/admin/subscribers?q=%25")).body.items).toEqual([]);
    const detail = await call("GET", "/v1/admin/subscribers/search-ann");
    expect(detail.body).toMatchObject({ subscriber: { id: "search-ann", topics: ["search-topic"] }, pushDevices: [], preferences: {}, inbox: [], deliveries: [] });
  });

  it("broadcasts ad hoc content to subscribers with a field value, and lists broadcasts", async () => {
    for (const [id, city] of [["city-1", "Omsk"], ["city-2", "Omsk"], ["city-3", "Tver"], ["city-4", "Omsk"]]) await call("PUT", `/v1/subscribers/${id}`, { name: id, data: { city } });
    // city-4 muted the broadcast's category: the engine applies it at send time.
    expect((await call("PATCH", "/v1/subscribers/city-4/preferences", { categories: { news: false } })).status).toBe(200);
    const res = await call("POST", "/v1/broadcasts", { content: { title: "Omsk news", body: "Hello {{subscriber.name}}", url: "https://x.example" }, audience: { field: "data.city", value: "Omsk" }, channels: ["realtime"], category: "news" });
    expect(res.status).toBe(202);
    const done = await eventually(async () => {
      const p = (await call("GET", `/v1/broadcasts/${res.body.id}`)).body;
      return p.status === "done" ? p : undefined;
    });
    expect(done).toMatchObject({ total: 3, sent: 2, failed: 0, cancelled: 1 });
    const token = (await call("POST", "/v1/subscribers/city-1/tokens", {})).body.token;
    expect((await api(herald.url, token)("GET", "/v1/me/notifications")).body.items.map((i: any) => i.body)).toContain("Hello city-1");
    const later = await call("POST", "/v1/broadcasts", { content: { title: "Later", body: "b" }, audience: { all: true }, channels: ["realtime"], sendAt: new Date(Date.now() + 3600_000).toISOString() });
    await eventually(async () => (await call("GET", `/v1/broadcasts/${later.body.id}`)).body.status === "scheduled");
    const list = await call("GET", "/v1/broadcasts?limit=5");
    expect(list.body.items.map((b: any) => b.id).slice(0, 2)).toEqual([later.body.id, res.body.id]);
    expect(list.body.items[1].summary).toMatchObject({ title: "Omsk news", audience: { field: "data.city", value: "Omsk" }, channels: ["realtime"], category: "news", recipients: 3 });
    // Ad hoc content is not one of the templates an admin edits.
    expect((await call("GET", "/v1/admin/templates")).body.items.some((t: any) => t.key.startsWith("herald.broadcast."))).toBe(false);
    const both = await call("POST", "/v1/broadcasts", { template: "dry", content: { title: "x", body: "y" }, audience: { all: true } });
    expect(both.status).toBe(400);
    const badField = await call("POST", "/v1/broadcasts", { content: { title: "x", body: "y" }, audience: { field: "password", value: 1 } });
    expect(badField.status).toBe(400);
  });
});
