/**
 * /sw.js in headless Chromium. Chromium cannot subscribe to a real push service here (its own is
 * Google's), so the payload Herald encrypted for the local push-service peer is taken from there
 * and handed to the worker with CDP's ServiceWorker.deliverPushMessage: the same bytes a browser
 * would decrypt. Clicks cannot be made on a headless notification; the test dispatches a
 * NotificationEvent inside the worker on the notification the worker showed.
 */
import { createClient } from "@libsql/client";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVapidKeys } from "../../src/core/push/vapid.js";
import { startPushService, type PushServicePeer } from "../../src/channels/push/push-service.peer.js";
import { api, eventually, type HeraldProcess, startHerald } from "../support/server.js";
import { launchBrowser, pageErrors, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let peer: PushServicePeer;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  const vapid = await generateVapidKeys();
  peer = await startPushService();
  [herald, browser] = await Promise.all([
    startHerald({ env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: "https://shop.example/contact" } }),
    launchBrowser(),
  ]);
  call = api(herald.url);
  await call("PUT", "/v1/templates/order-sw", {
    channels: {
      push: {
        title: "Order #{{data.order}}",
        body: "Courier {{data.courier}} is on the way",
        url: "{{data.base}}/demo/index.html?order={{data.order}}",
        tag: "order-{{data.order}}",
        actions: [
          { action: "track", title: "Track courier", url: "{{data.base}}/demo/index.html?track={{data.order}}" },
          { action: "cancel", title: "Cancel order", url: "{{data.base}}/demo/index.html?cancel={{data.order}}" },
        ],
      },
    },
  });
  await call("PUT", "/v1/rules/order-sw", { event: "sw.order", steps: [{ channel: "push", template: "order-sw" }] });
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await peer?.close();
});

/**
 * A page of Herald's origin controlled by /sw.js, and a way to hand the worker a push payload as the
 * browser would after decrypting it (CDP ServiceWorker.deliverPushMessage).
 */
async function openControlledPage() {
  const context = await browser.newContext();
  await context.grantPermissions(["notifications"], { origin: herald.url });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${herald.url}/demo/index.html`);
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string }[] = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e: any) => registrations.push(...e.registrations));
  await cdp.send("ServiceWorker.enable");
  await page.evaluate(async () => {
    await navigator.serviceWorker.register("/sw.js");
    await navigator.serviceWorker.ready;
  });
  // Controlled, so the worker's clients.matchAll sees this tab.
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const registration = await eventually(() => registrations.find((r) => r.scopeURL.startsWith(herald.url)));
  // Looked up only when a test needs it: attaching to the worker before a push has arrived made the
  // first notification go missing now and then.
  const worker = async () => context.serviceWorkers().find((w) => w.url().endsWith("/sw.js")) ?? (await context.waitForEvent("serviceworker"));
  const push = (payload: unknown) =>
    cdp.send("ServiceWorker.deliverPushMessage", { origin: herald.url, registrationId: registration.registrationId, data: JSON.stringify(payload) });
  /**
   * Hands the worker a push and waits until `arrived` says it was handled; if it was not, hands it
   * over again, as a push service redelivers what a browser did not acknowledge.
   */
  const deliver = async (payload: unknown, arrived: () => Promise<boolean>) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      await push(payload);
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        if (await arrived()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error("the service worker never handled the push");
  };
  return { context, page, errors, worker, deliver };
}

describe("service worker", () => {
  it("shows a delivered push with title, body and buttons, reports seen; a button click opens its URL, a body click the notification's, and Herald records each click", async () => {
    // Herald encrypts a real order update for a fake browser subscription on the peer.
    const token = await subscriber(call, "sw-buyer", "Aigul");
    expect((await api(herald.url, token)("POST", "/v1/me/push-subscriptions", peer.subscribe())).status).toBe(201);
    await call("POST", "/v1/events", { id: "sw-1", type: "sw.order", to: "sw-buyer", data: { order: 1234, courier: "Almaz", base: herald.url } });
    const pushed = await eventually(() => peer.received.find((r) => r.payload.title === "Order #1234"));
    const notificationId: string = pushed.payload.data.notificationId;

    const { context, page, errors, worker: findWorker, deliver } = await openControlledPage();
    const notificationCount = () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length);
    await deliver(pushed.payload, async () => (await notificationCount()) > 0);
    const shown = await eventually(async () => {
      const list = await page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, actions: (n as any).actions, data: n.data })),
      );
      return list.length > 0 ? list : undefined;
    });
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      title: "Order #1234",
      body: "Courier Almaz is on the way",
      tag: "order-1234",
      actions: [
        { action: "track", title: "Track courier" },
        { action: "cancel", title: "Cancel order" },
      ],
      data: { notificationId, url: `${herald.url}/demo/index.html?order=1234` },
    });
    // Shown means seen: escalations ("unless seen") read it from here.
    await eventually(async () => (await call("GET", "/v1/events/sw-1")).body.notifications[0].seenAt ?? undefined);

    // "Track courier": the open tab goes to the tracking page, and Herald records the click.
    const worker = await findWorker();
    await worker.evaluate(async () => {
      const sw = self as any;
      const [notification] = await sw.registration.getNotifications();
      sw.dispatchEvent(new sw.NotificationEvent("notificationclick", { notification, action: "track" }));
    });
    await expect.poll(() => page.url()).toBe(`${herald.url}/demo/index.html?track=1234`);
    const db = createClient({ url: herald.databaseUrl });
    const click = await eventually(async () => (await db.execute({ sql: "SELECT action, clicked_at FROM notification_clicks WHERE notification_id = ?", args: [notificationId] })).rows[0]);
    expect(click.action).toBe("track");
    await expect.poll(() => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length)).toBe(0);

    // A click on the body (no button) goes to the notification's own URL.
    await call("POST", "/v1/events", { id: "sw-2", type: "sw.order", to: "sw-buyer", data: { order: 1235, courier: "Almaz", base: herald.url } });
    const second = await eventually(() => peer.received.find((r) => r.payload.title === "Order #1235"));
    await deliver(second.payload, async () => (await notificationCount()) > 0);
    await expect.poll(() => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length)).toBe(1);
    await worker.evaluate(async () => {
      const sw = self as any;
      const [notification] = await sw.registration.getNotifications();
      sw.dispatchEvent(new sw.NotificationEvent("notificationclick", { notification }));
    });
    await expect.poll(() => page.url()).toBe(`${herald.url}/demo/index.html?order=1235`);
    const bodyClick = await eventually(async () => (await db.execute({ sql: "SELECT action FROM notification_clicks WHERE notification_id = ?", args: [second.payload.data.notificationId] })).rows[0]);
    expect(bodyClick.action).toBeNull();
    db.close();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows data as the plain text it is in title, body and button titles, and opens its links with their & intact", async () => {
    await call("PUT", "/v1/templates/show-sw", {
      channels: {
        push: {
          title: "{{data.show}} is on",
          body: "{{data.episode}}",
          url: "{{data.link}}",
          icon: "{{data.icon}}",
          tag: "show-{{data.slug}}",
          actions: [{ action: "watch", title: "Watch {{data.show}}", url: "{{data.link}}&t={{data.at}}" }],
        },
      },
    });
    await call("PUT", "/v1/rules/show-sw", { event: "sw.show", steps: [{ channel: "push", template: "show-sw" }] });
    const token = await subscriber(call, "sw-viewer", "Timur");
    expect((await api(herald.url, token)("POST", "/v1/me/push-subscriptions", peer.subscribe())).status).toBe(201);
    const data = {
      show: "Tom & Jerry",
      episode: `"Cat" & 'Mouse' <3 = \`fun\``,
      link: `${herald.url}/demo/index.html?show=tom&lang=en`,
      icon: `${herald.url}/demo/icon.png?v=2&size=64`,
      slug: "t&j",
      at: "90",
    };
    await call("POST", "/v1/events", { id: "sw-show-1", type: "sw.show", to: "sw-viewer", data });
    const pushed = await eventually(() => peer.received.find((r) => r.payload.title?.endsWith(" is on")));
    // What the browser decrypts: no HTML entity anywhere.
    expect(JSON.stringify(pushed.payload)).not.toMatch(/&(amp|lt|gt|quot|#x27|#x60|#x3D);/);

    const { context, page, errors, worker: findWorker, deliver } = await openControlledPage();
    await deliver(pushed.payload, async () => (await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length)) > 0);
    const [shown] = await page.evaluate(async () =>
      (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, icon: n.icon, tag: n.tag, actions: (n as any).actions, data: n.data })),
    );
    expect(shown).toMatchObject({
      title: "Tom & Jerry is on",
      body: `"Cat" & 'Mouse' <3 = \`fun\``,
      icon: data.icon,
      tag: "show-t&j",
      actions: [{ action: "watch", title: "Watch Tom & Jerry" }],
      data: { url: data.link, actions: { watch: `${data.link}&t=90` } },
    });
    // The button opens its link as written: the query survives.
    const worker = await findWorker();
    await worker.evaluate(async () => {
      const sw = self as any;
      const [notification] = await sw.registration.getNotifications();
      sw.dispatchEvent(new sw.NotificationEvent("notificationclick", { notification, action: "watch" }));
    });
    await expect.poll(() => page.url()).toBe(`${data.link}&t=90`);
    expect(new URL(page.url()).searchParams.get("lang")).toBe("en");
    expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
    await context.close();
  });

  it("keeps the app badge at the unread count a push carries, and re-registers with Herald on pushsubscriptionchange", async () => {
    const token = await subscriber(call, "sw-badge", "Dana");
    const old = peer.subscribe();
    expect((await api(herald.url, token)("POST", "/v1/me/push-subscriptions", old)).status).toBe(201);
    // Two unread in-app items before the push: the push payload carries the count.
    await call("PUT", "/v1/templates/sw-inbox", { channels: { realtime: { title: "Inbox {{data.n}}", body: "b" } } });
    await call("PUT", "/v1/rules/sw-inbox", { event: "sw.inbox", steps: [{ channel: "realtime", template: "sw-inbox" }] });
    for (const n of [1, 2]) await call("POST", "/v1/events", { type: "sw.inbox", to: "sw-badge", data: { n } });
    await eventually(async () => ((await api(herald.url, token)("GET", "/v1/me/unread-count")).body.count === 2 ? true : undefined));
    await call("POST", "/v1/events", { id: "sw-badge-1", type: "sw.order", to: "sw-badge", data: { order: 77, courier: "Ivan", base: herald.url } });
    const pushed = await eventually(() => peer.received.find((r) => r.payload.title === "Order #77"));
    expect(pushed.payload.data.unread).toBe(2);

    const { context, worker: findWorker, deliver } = await openControlledPage();
    const worker = await findWorker();
    // Headless Chromium has no app badge to look at: record what the worker asks for instead.
    await worker.evaluate(() => {
      const sw = self as any;
      sw.__badges = [];
      Object.defineProperty(sw.navigator, "setAppBadge", { configurable: true, value: async (n: number) => void sw.__badges.push(n) });
      Object.defineProperty(sw.navigator, "clearAppBadge", { configurable: true, value: async () => void sw.__badges.push(0) });
    });
    await deliver(pushed.payload, async () => (await worker.evaluate(() => (self as any).__badges.length)) > 0);
    await expect.poll(() => worker.evaluate(() => (self as any).__badges)).toEqual([2]);

    // The browser replaced the subscription (its push service rotated it): the worker registers the
    // new one with the receipt token it kept from the last push, and forgets the old one.
    // The worker keeps that token once the push is handled; wait for it, the badge can come first.
    await expect.poll(() => worker.evaluate(async () => Boolean(await (await caches.open("herald-sw-state")).match("/__herald/sw-state")))).toBe(true);
    const fresh = peer.subscribe();
    await worker.evaluate(async (subscription) => {
      const sw = self as any;
      const event = new sw.ExtendableEvent("pushsubscriptionchange");
      Object.defineProperty(event, "newSubscription", { value: { endpoint: subscription.endpoint, toJSON: () => subscription } });
      Object.defineProperty(event, "oldSubscription", { value: { endpoint: subscription.old } });
      sw.dispatchEvent(event);
    }, { ...fresh, old: old.endpoint });
    const db = createClient({ url: herald.databaseUrl });
    const endpoints = async () => (await db.execute({ sql: "SELECT endpoint FROM push_subscriptions WHERE subscriber_id = ?", args: ["sw-badge"] })).rows.map((r) => r.endpoint);
    await expect.poll(endpoints).toEqual([fresh.endpoint]);
    db.close();
    await context.close();
  });
});
