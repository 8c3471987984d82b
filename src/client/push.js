/**
 * Web push for the Herald SDK (imported by ./herald.js, served beside it at /sdk/push.js).
 * The permission prompt belongs to a user gesture, so nothing here runs until `subscribe()` is called.
 */
/** base64url (VAPID public key) → bytes for `pushManager.subscribe`. */
export function keyBytes(base64url) {
  const raw = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((base64url.length + 3) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/**
 * Web push for a Herald client: `subscribe()` (call it from a click: browsers refuse or bury
 * permission prompts that come unasked), `unsubscribe()`, and `state`:
 * "unsupported" | "default" | "denied" | "subscribed" | "unsubscribed".
 */
export function webPush(herald) {
  const supported = () => typeof navigator !== "undefined" && "serviceWorker" in navigator && "PushManager" in globalThis && "Notification" in globalThis;
  const push = {
    state: "unsubscribed",
    _set(state) {
      if (state !== push.state) herald._emit("push", (push.state = state));
      return state;
    },
    async subscribe({ serviceWorker = "/sw.js" } = {}) {
      if (!supported()) return push._set("unsupported");
      const registration = await navigator.serviceWorker.register(serviceWorker);
      const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
      if (permission !== "granted") return push._set(permission === "denied" ? "denied" : "default");
      const { publicKey } = await (await fetch(`${herald.url}/v1/push/vapid-public-key`)).json();
      const subscription =
        (await registration.pushManager.getSubscription()) ??
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
      await herald._fetch("POST", "/v1/me/push-subscriptions", subscription.toJSON());
      // The worker reports seen/clicked and re-registers on pushsubscriptionchange with this token.
      (await navigator.serviceWorker.ready).active?.postMessage({ type: "herald:token", token: await herald._token(), api: herald.url });
      return push._set("subscribed");
    },
    async unsubscribe() {
      if (!supported()) return push._set("unsupported");
      const registration = await navigator.serviceWorker.getRegistration();
      const subscription = await registration?.pushManager.getSubscription();
      if (subscription) {
        await herald._fetch("DELETE", "/v1/me/push-subscriptions", { endpoint: subscription.endpoint }).catch(() => undefined);
        await subscription.unsubscribe();
      }
      return push._set("unsubscribed");
    },
    /** Reads the state the browser already has, without asking anything. */
    async refresh() {
      if (!supported()) return push._set("unsupported");
      if (Notification.permission === "denied") return push._set("denied");
      const registration = await navigator.serviceWorker.getRegistration();
      return push._set((await registration?.pushManager.getSubscription()) ? "subscribed" : "unsubscribed");
    },
  };
  return push;
}
