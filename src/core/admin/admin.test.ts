import { describe, expect, it } from "vitest";
import { builtInChannels } from "../../channels/index.js";
import { adHocChannels, adHocTemplate, broadcastProgress, broadcastRule, BROADCAST_EVENT } from "../broadcasts.js";
import { loginLimitFromEnv } from "./login-limit.js";
import { generateAdminPassword, hashPassword, verifyPassword } from "./password.js";
import { csrfMatches, readCookie, sessionCookie } from "./session.js";

describe("admin password", () => {
  it("verifies the password it hashed and nothing else", async () => {
    const stored = await hashPassword("open sesame", 1000);
    expect(stored).toMatch(/^pbkdf2-sha256\$1000\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(await verifyPassword("open sesame", stored)).toBe(true);
    expect(await verifyPassword("open sesame!", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("salts every hash, and refuses malformed stored values", async () => {
    expect(await hashPassword("same", 1000)).not.toBe(await hashPassword("same", 1000));
    for (const bad of ["", "sha1$1$00$00", "pbkdf2-sha256$x$00$00", "pbkdf2-sha256$0$00$00", "pbkdf2-sha256$10$zz$00"]) expect(await verifyPassword("p", bad)).toBe(false);
  });

  it("generates typeable passwords of 24 characters", () => {
    const a = generateAdminPassword();
    expect(a).toMatch(/^[\w-]{24}$/);
    expect(generateAdminPassword()).not.toBe(a);
  });
});

describe("admin session cookie", () => {
  it("reads its cookie among others", () => {
    expect(readCookie("a=1; herald_admin=tok-en; b=2", "herald_admin")).toBe("tok-en");
    expect(readCookie("xherald_admin=1", "herald_admin")).toBeUndefined();
    expect(readCookie(undefined, "herald_admin")).toBeUndefined();
  });

  it("is HttpOnly and SameSite=Strict, Secure only when asked", () => {
    expect(sessionCookie("t", 60, false)).toBe("herald_admin=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    expect(sessionCookie("t", 60, true)).toMatch(/; Secure$/);
  });

  it("matches the CSRF token exactly", () => {
    const session = { idHash: "h", csrf: "abc", expiresAt: 0 };
    expect(csrfMatches(session, "abc")).toBe(true);
    expect(csrfMatches(session, "abd")).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
  });

  it("reads the login limits from the environment", () => {
    expect(loginLimitFromEnv({})).toEqual({ attempts: 10, accountAttempts: 100, windowMs: 900_000 });
    expect(loginLimitFromEnv({ HERALD_ADMIN_LOGIN_ATTEMPTS: "3", HERALD_ADMIN_LOGIN_WINDOW_SECONDS: "60", HERALD_ADMIN_LOGIN_ACCOUNT_ATTEMPTS: "7" })).toEqual({ attempts: 3, accountAttempts: 7, windowMs: 60_000 });
  });
});

describe("broadcasts", () => {
  const event = (body: object) => ({ id: "bc_1", type: BROADCAST_EVENT, body: { type: BROADCAST_EVENT, ...body }, receivedAt: 1_000, plannedAt: null });

  it("delays every step until sendAt, and targets resolved ids for a field audience", () => {
    const rule = broadcastRule(event({ subscribers: ["a", "b"], broadcast: { template: "t", channels: ["realtime", "push"], sendAt: 61_000 } }));
    expect(rule.body.to).toEqual({ subscriber: ["a", "b"] });
    expect(rule.body.steps).toEqual([
      { channel: "realtime", template: "t", delay: "60000ms" },
      { channel: "push", template: "t", delay: "60000ms" },
    ]);
    expect(broadcastRule(event({ broadcast: { template: "t", channels: ["realtime"] } })).body).toMatchObject({ to: { topic: "*" }, steps: [{ channel: "realtime", template: "t" }] });
  });

  it("reports scheduled while waiting for sendAt, then sending, then done", () => {
    const pending = [{ status: "pending", n: 3 }];
    expect(broadcastProgress(1, pending, { sendAt: 10, now: 5 }).status).toBe("scheduled");
    expect(broadcastProgress(1, pending, { sendAt: 10, now: 11 }).status).toBe("sending");
    expect(broadcastProgress(1, [{ status: "sent", n: 2 }, { status: "cancelled", n: 1 }])).toMatchObject({ status: "done", sent: 2, cancelled: 1, total: 3 });
  });

  it("turns ad hoc content into each channel's shape, escaping text inside MJML", () => {
    const channels = adHocTemplate({ title: "Sale <b>", body: "Hi {{subscriber.name}}", url: "https://x.example", actions: [{ action: "go", title: "Go" }] }, ["push", "email", "sms"], (id) => builtInChannels.find((c) => c.id === id));
    expect(channels.push).toEqual({ title: "Sale <b>", body: "Hi {{subscriber.name}}", url: "https://x.example", actions: [{ action: "go", title: "Go" }] });
    expect(channels.email!.mjml).toContain("Sale &lt;b&gt;");
    expect(channels.email!.mjml).toContain('<mj-button href="https://x.example">Go</mj-button>');
    expect(channels.sms).toEqual({ text: "Sale <b>: Hi {{subscriber.name}}\nhttps://x.example" });
    expect(channels.realtime).toBeUndefined();
  });

  it("takes ad hoc channels from the declarations: in-app and push by default", () => {
    // Every registered channel that declares `broadcast`, so a new channel does not edit this test.
    const { available, byDefault } = adHocChannels(builtInChannels);
    expect(available).toEqual(builtInChannels.filter((c) => c.broadcast).map((c) => c.id));
    expect(available).toEqual(expect.arrayContaining(["realtime", "push", "email", "sms", "mattermost"]));
    expect(byDefault).toEqual(["realtime", "push"]);
  });
});
