import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { fitPayload, topicFromTag, type PushPayload } from "../../channels/push/payload.js";
import { checkPushSubscription, pushEndpointPolicy } from "./subscription.js";
import { generateVapidKeys, loadVapidKeys } from "./vapid.js";

describe("VAPID keys", () => {
  it("generates a key pair on first start, stores it and reuses it on the next", async () => {
    const { store } = await openLibsqlStore("file::memory:");
    const first = await loadVapidKeys(store, {});
    const second = await loadVapidKeys(store, {});
    expect(second).toEqual(first);
    expect(Buffer.from(first.publicKey, "base64url")).toHaveLength(65);
    expect(first.subject).toMatch(/^mailto:/);
  });

  it("takes keys and subject from the environment", async () => {
    const { store } = await openLibsqlStore("file::memory:");
    const pair = await generateVapidKeys();
    const keys = await loadVapidKeys(store, { VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: pair.privateKey, VAPID_SUBJECT: "https://shop.example/contact" });
    expect(keys).toEqual({ ...pair, subject: "https://shop.example/contact" });
  });

  it("refuses a malformed key, a mismatched pair, half a pair and a subject that is not mailto: or https:", async () => {
    const { store } = await openLibsqlStore("file::memory:");
    const a = await generateVapidKeys();
    const b = await generateVapidKeys();
    await expect(loadVapidKeys(store, { VAPID_PUBLIC_KEY: "not-a-key", VAPID_PRIVATE_KEY: a.privateKey })).rejects.toThrow(/VAPID_PUBLIC_KEY/);
    await expect(loadVapidKeys(store, { VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: "AAAA" })).rejects.toThrow(/VAPID_PRIVATE_KEY/);
    await expect(loadVapidKeys(store, { VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: b.privateKey })).rejects.toThrow(/not a valid P-256 key pair/);
    await expect(loadVapidKeys(store, { VAPID_PUBLIC_KEY: a.publicKey })).rejects.toThrow(/both/);
    await expect(loadVapidKeys(store, { VAPID_SUBJECT: "http://shop.example" })).rejects.toThrow(/VAPID_SUBJECT/);
    await expect(loadVapidKeys(store, { VAPID_SUBJECT: "ops@shop.example" })).rejects.toThrow(/VAPID_SUBJECT/);
  });
});

describe("push subscription validation", () => {
  const keys = { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString("base64url"), auth: Buffer.alloc(16, 2).toString("base64url") };
  const policy = pushEndpointPolicy({});
  const paths = (endpoint: string, k = keys, p = policy) => checkPushSubscription({ endpoint, keys: k }, p).map((e) => e.path);

  it("admits the known push services, wildcards included", () => {
    expect(paths("https://fcm.googleapis.com/fcm/send/abc")).toEqual([]);
    expect(paths("https://updates.push.services.mozilla.com/wpush/v2/x")).toEqual([]);
    expect(paths("https://wns2-par02p.notify.windows.com/w/?token=x")).toEqual([]);
    expect(paths("https://web.push.apple.com/QG")).toEqual([]);
  });

  it("refuses other hosts, plain http, and loopback unless private networks are allowed", () => {
    expect(paths("https://evil.example/push")).toEqual(["endpoint"]);
    expect(paths("https://notify.windows.com.evil.example/x")).toEqual(["endpoint"]);
    expect(paths("http://fcm.googleapis.com/fcm/send/abc")).toEqual(["endpoint"]);
    expect(paths("http://127.0.0.1:9000/push/1")).toEqual(["endpoint"]);
    expect(paths("http://127.0.0.1:9000/push/1", keys, pushEndpointPolicy({ HERALD_ALLOW_PRIVATE_NETWORK: "1" }))).toEqual([]);
    expect(paths("http://10.0.0.5/push/1", keys, pushEndpointPolicy({ HERALD_ALLOW_PRIVATE_NETWORK: "1" }))).toEqual(["endpoint"]);
    expect(paths("https://push.example.net/x", keys, pushEndpointPolicy({ HERALD_PUSH_HOSTS: "push.example.net" }))).toEqual([]);
  });

  it("names a p256dh that is not a 65-byte uncompressed point and an auth that is not 16 bytes", () => {
    const endpoint = "https://fcm.googleapis.com/fcm/send/abc";
    expect(paths(endpoint, { ...keys, p256dh: Buffer.alloc(65, 2).toString("base64url") })).toEqual(["keys.p256dh"]);
    expect(paths(endpoint, { ...keys, p256dh: "!!" })).toEqual(["keys.p256dh"]);
    expect(paths(endpoint, { ...keys, auth: Buffer.alloc(12).toString("base64url") })).toEqual(["keys.auth"]);
  });
});

describe("push payload", () => {
  const base: PushPayload = { title: "Заказ", body: "", url: "https://shop.example/o/1", actions: [{ action: "view", title: "Открыть" }], data: { notificationId: "n1", url: "https://shop.example/o/1" } };

  it("never splits an emoji or accented letter when shortening", () => {
    const body = "👩‍👩‍👧é".repeat(400);
    const fitted = fitPayload({ ...base, body }, 600)!;
    expect(new TextEncoder().encode(JSON.stringify(fitted)).length).toBeLessThanOrEqual(600);
    const kept = fitted.body.slice(0, -1);
    expect(body.startsWith(kept)).toBe(true);
    expect(kept.endsWith("é")).toBe(true);
    expect(fitted.actions).toEqual(base.actions);
  });

  it("leaves a payload that fits untouched, and gives up when even an empty body cannot fit", () => {
    const small = { ...base, body: "ok" };
    expect(fitPayload(small)).toBe(small);
    expect(fitPayload({ ...base, data: { ...base.data, url: "x".repeat(5000) } })).toBeUndefined();
  });

  it("derives a Topic of at most 32 base64url characters from the tag", async () => {
    expect(await topicFromTag("order-1234")).toBe("order-1234");
    expect(await topicFromTag("заказ 1234")).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await topicFromTag(undefined)).toBeUndefined();
  });
});
