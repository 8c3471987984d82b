/**
 * Herald's service worker, served at /sw.js. Plain JS, no build step.
 *
 * - push: shows the notification (title, body, icon, badge, image, tag, actions, data), reports
 *   `seen` to Herald and keeps the app badge in step with the unread count the payload carries.
 * - notificationclick: reports `clicked` (with the action), then focuses an open tab on the target
 *   URL or opens it: the action's URL for a button, the notification's URL for the body.
 * - pushsubscriptionchange: subscribes again with Herald's VAPID key and registers the new
 *   subscription (and forgets the old one).
 *
 * Credentials: every push payload carries a short-lived receipt token in `data.token` (the payload
 * is encrypted end to end for this browser, so nobody on the way sees it). It is scoped: it can
 * report seen/clicked and register push subscriptions, nothing else (no inbox reads). The worker
 * keeps the latest one in Cache Storage for pushsubscriptionchange, which has no payload. A page may also hand one over: `postMessage({type: "herald:token", token, api})`.
 * `data.api` names Herald's origin when the site is elsewhere; otherwise the worker's own origin.
 */
/* eslint-env serviceworker */

const STATE_CACHE = "herald-sw-state";
const STATE_KEY = "/__herald/sw-state";

async function readState() {
  try {
    const cache = await caches.open(STATE_CACHE);
    const hit = await cache.match(STATE_KEY);
    return hit ? await hit.json() : {};
  } catch {
    return {};
  }
}

async function saveState(update) {
  const state = { ...(await readState()), ...update };
  const cache = await caches.open(STATE_CACHE);
  await cache.put(STATE_KEY, new Response(JSON.stringify(state), { headers: { "content-type": "application/json" } }));
  return state;
}

function apiBase(data) {
  return (data && data.api) || self.location.origin;
}

async function report(data, what, body) {
  if (!data || !data.notificationId || !data.token) return;
  const url = `${apiBase(data)}/v1/me/notifications/${encodeURIComponent(data.notificationId)}/${what}`;
  try {
    await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${data.token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      keepalive: true,
    });
  } catch {
    // Offline: the notification still shows; the report is not worth failing the event for.
  }
}

async function setBadge(count) {
  if (typeof count !== "number") return;
  try {
    if (count > 0 && self.navigator.setAppBadge) await self.navigator.setAppBadge(count);
    else if (count === 0 && self.navigator.clearAppBadge) await self.navigator.clearAppBadge();
  } catch {
    // Badging is a nicety (installed apps only on some browsers).
  }
}

function parsePayload(event) {
  if (!event.data) return undefined;
  try {
    return event.data.json();
  } catch {
    return { title: event.data.text() };
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const message = event.data;
  if (message && message.type === "herald:token" && typeof message.token === "string") {
    event.waitUntil(saveState({ token: message.token, api: message.api || null }));
  }
});

self.addEventListener("push", (event) => {
  const payload = parsePayload(event);
  if (!payload) return;
  const data = { ...(payload.data || {}) };
  if (payload.url && !data.url) data.url = payload.url;
  const options = {
    body: payload.body || "",
    data,
    ...(payload.icon ? { icon: payload.icon } : {}),
    ...(payload.badge ? { badge: payload.badge } : {}),
    ...(payload.image ? { image: payload.image } : {}),
    // A newer status of the same order replaces the older one on screen, and says so.
    ...(payload.tag ? { tag: payload.tag, renotify: true } : {}),
    ...(Array.isArray(payload.actions) ? { actions: payload.actions.map((a) => ({ action: a.action, title: a.title })) } : {}),
  };
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(payload.title || "", options);
      const tasks = [report(data, "seen"), setBadge(data.unread)];
      if (data.token) tasks.push(saveState({ token: data.token, api: data.api || null }));
      await Promise.all(tasks);
    })(),
  );
});

/** Focuses a window already on `url` (or navigates one of ours there), else opens a new one. */
async function openOrFocus(url) {
  const target = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  // focus() needs the click's user activation; without it (synthetic events) the tab stays where it is.
  const focus = (w) => w.focus().catch(() => w);
  const exact = windows.find((w) => w.url === target);
  if (exact) return focus(exact);
  const sameOrigin = windows.find((w) => new URL(w.url).origin === new URL(target).origin && "navigate" in w);
  if (sameOrigin) {
    const navigated = await sameOrigin.navigate(target).catch(() => null);
    if (navigated) return focus(navigated);
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  const action = event.action || null;
  const url = (action && data.actions && data.actions[action]) || data.url;
  notification.close();
  const work = Promise.all([report(data, "clicked", { action }), url ? openOrFocus(url) : Promise.resolve()]);
  try {
    event.waitUntil(work);
  } catch {
    // A synthetic event (tests, devtools) cannot be extended; the work above runs all the same.
  }
});

function urlBase64ToBytes(text) {
  const base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      const state = await readState();
      const base = state.api || self.location.origin;
      let subscription = event.newSubscription;
      if (!subscription) {
        const { publicKey } = await (await fetch(`${base}/v1/push/vapid-public-key`)).json();
        subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(publicKey) });
      }
      if (!state.token) return;
      const headers = { authorization: `Bearer ${state.token}`, "content-type": "application/json" };
      await fetch(`${base}/v1/me/push-subscriptions`, { method: "POST", headers, body: JSON.stringify(subscription.toJSON()) });
      if (event.oldSubscription && event.oldSubscription.endpoint !== subscription.endpoint) {
        await fetch(`${base}/v1/me/push-subscriptions`, { method: "DELETE", headers, body: JSON.stringify({ endpoint: event.oldSubscription.endpoint }) }).catch(() => {});
      }
    })(),
  );
});
