/**
 * The admin login throttle over HTTP. Node and Deno name a client by its socket address, and read
 * X-Forwarded-For only from a trusted proxy (HERALD_TRUSTED_PROXIES: here the loopback the tests
 * connect from, so the header names each "client"); Workers by `cf-connecting-ip`, which Cloudflare's
 * edge (and wrangler dev, in its place) sets. A stranger locks out no one but themselves, and a
 * browser that has logged in before still logs in while strangers exhaust the account's budget.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeraldProcess, startHerald } from "../support/server.js";

const PASSWORD = "s3cret admin password";
const onWorkers = process.env.HERALD_TEST_RUNTIME === "workerd";
let herald: HeraldProcess;

beforeAll(async () => {
  herald = await startHerald({
    env: {
      HERALD_ADMIN_PASSWORD: PASSWORD,
      HERALD_ADMIN_LOGIN_ATTEMPTS: "3",
      HERALD_ADMIN_LOGIN_ACCOUNT_ATTEMPTS: "5",
      HERALD_TRUSTED_PROXIES: "127.0.0.1, ::1",
    },
  });
});
afterAll(() => herald?.stop());

/** Headers that make a request come from `client`, the way this runtime learns it. */
const from = (client: string): Record<string, string> => (onWorkers ? { "cf-connecting-ip": client } : { "x-forwarded-for": `198.18.0.1, ${client}` });

async function login(password: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${herald.url}/v1/admin/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ password }) });
  const cookies = res.headers.getSetCookie();
  const device = cookies.find((c) => c.startsWith("herald_admin_device="))?.split(";")[0];
  return { status: res.status, device, body: await res.json() };
}

describe("the admin login throttle", () => {
  it.skipIf(onWorkers)("does not trust a client's own cf-connecting-ip or X-Forwarded-For on Node and Deno", async () => {
    // Another Herald: no trusted proxy, so the socket's address is the client whatever the headers say.
    const plain = await startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD, HERALD_ADMIN_LOGIN_ATTEMPTS: "3" } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const headers = { "content-type": "application/json", "cf-connecting-ip": `203.0.113.${i}`, "x-forwarded-for": `198.51.100.${i}` };
        statuses.push((await fetch(`${plain.url}/v1/admin/login`, { method: "POST", headers, body: JSON.stringify({ password: "guess" }) })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await plain.stop();
    }
  });

  it("throttles a stranger without locking the admin out", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login("guess", from("198.51.100.7"))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await login(PASSWORD, from("198.51.100.7"))).status).toBe(429);
    expect((await login(PASSWORD, from("203.0.113.5"))).status).toBe(200);
  });

  it("bounds guesses from many addresses per account, and still lets in a browser that logged in before", async () => {
    const admin = await login(PASSWORD, from("203.0.113.20"));
    expect(admin.status).toBe(200);
    expect(admin.device).toMatch(/^herald_admin_device=/);
    // The account's count stands at 3 of 5 (the stranger's first 3 guesses; refused attempts are not
    // counted, and each login gave its attempt back): strangers from fresh addresses fill the rest.
    const strangers: number[] = [];
    for (let i = 0; i < 6; i++) strangers.push((await login("guess", from(`192.0.2.${10 + i}`))).status);
    expect(strangers).toEqual([401, 401, 429, 429, 429, 429]);
    const fresh = await login(PASSWORD, from("203.0.113.21"));
    expect([fresh.status, fresh.body.detail]).toEqual([429, expect.stringContaining("browser that has logged in before")]);
    expect((await login(PASSWORD, { ...from("203.0.113.22"), cookie: admin.device! })).status).toBe(200);
    // The device has a budget of its own, strict like a client's.
    const guesses: number[] = [];
    for (let i = 0; i < 4; i++) guesses.push((await login("guess", { ...from("203.0.113.22"), cookie: admin.device! })).status);
    expect(guesses).toEqual([401, 401, 401, 429]);
  });
});
