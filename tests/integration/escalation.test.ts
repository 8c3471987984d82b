/**
 * Escalation and fallback with an injected clock (issue 5's proof): Herald in process on a manual
 * clock, its outbox drained by hand, the real Twilio Messages API peer and push-service peer.
 * - an in-app notification seen before the 5-minute deadline: no SMS, ever;
 * - not seen: exactly one SMS, only once the deadline has passed;
 * - a push subscription that is gone (410): the SMS fallback runs at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { generateVapidKeys } from "../../src/core/push/vapid.js";
import { builtInChannels } from "../../src/channels/index.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { startPushService, type PushServicePeer } from "../../src/channels/push/push-service.peer.js";
import { startTwilioPeer, type TwilioPeer } from "../../src/channels/sms/twilio.peer.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
let herald: Herald;
let twilio: TwilioPeer;
let push: PushServicePeer;
let closeDb: () => void;

const call = inProcessApi(() => herald);

const smsTo = (phone: string) => twilio.messages.filter((m) => m.to === phone);
const deliveries = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries);

beforeAll(async () => {
  [twilio, push] = await Promise.all([startTwilioPeer(), startPushService()]);
  const vapid = await generateVapidKeys();
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({
    store,
    clock,
    logger: silentLogger,
    channels: builtInChannels,
    env: {
      ...TEST_SECRETS,
      HERALD_ALLOW_PRIVATE_NETWORK: "1",
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: "mailto:ops@shop.example",
      ...twilio.env(),
    },
  });
  await call("PUT", "/v1/templates/reply", { channels: { realtime: { title: "Reply", body: "{{data.text}}" }, push: { title: "Reply", body: "{{data.text}}" }, sms: { text: "New reply: {{data.text}}" } } });
  await call("PUT", "/v1/rules/reply", {
    event: "ticket.reply",
    critical: true,
    steps: [
      { channel: "realtime", template: "reply" },
      { channel: "sms", template: "reply", after: "5m", unlessSeen: true },
    ],
  });
  await call("PUT", "/v1/rules/courier", {
    event: "order.courier",
    critical: true,
    steps: [
      { channel: "push", template: "reply" },
      { channel: "sms", template: "reply", fallback: true },
    ],
  });
});
afterAll(async () => {
  await herald?.outbox.stop();
  closeDb?.();
  await Promise.all([twilio?.close(), push?.close()]);
});

describe("escalation on an injected clock", () => {
  it("seen before the deadline: no SMS; not seen: exactly one SMS, after the deadline", async () => {
    await call("PUT", "/v1/subscribers/seen-one", { name: "Seen", phone: "+15005550101" });
    await call("PUT", "/v1/subscribers/unseen-one", { name: "Unseen", phone: "+15005550102" });
    await call("POST", "/v1/events", { id: "reply-seen", type: "ticket.reply", to: "seen-one", data: { text: "hello" } });
    await call("POST", "/v1/events", { id: "reply-unseen", type: "ticket.reply", to: "unseen-one", data: { text: "hello" } });
    await herald.outbox.drain();

    // One minute in, the first subscriber reads the in-app notification.
    clock.advance(60_000);
    const token = (await call("POST", "/v1/subscribers/seen-one/tokens", {})).body.token;
    const [item] = (await call("GET", "/v1/me/notifications", undefined, token)).body.items;
    expect((await call("POST", `/v1/me/notifications/${item.id}/seen`, undefined, token)).status).toBe(200);
    expect((await deliveries("reply-seen")).find((d) => d.channel === "sms").status).toBe("cancelled");

    // Just before the deadline nothing escalates.
    clock.advance(3 * 60_000 + 59_000);
    await herald.outbox.drain();
    expect(twilio.messages).toHaveLength(0);

    // After it, only the unseen one does, once, however often the outbox runs.
    clock.advance(2_000);
    await herald.outbox.drain();
    clock.advance(10 * 60_000);
    await herald.outbox.drain();
    expect(smsTo("+15005550101")).toHaveLength(0);
    expect(smsTo("+15005550102")).toHaveLength(1);
    expect(smsTo("+15005550102")[0]!.body).toBe("New reply: hello");
    expect((await deliveries("reply-unseen")).map((d) => [d.channel, d.status])).toEqual([
      ["realtime", "sent"],
      ["sms", "sent"],
    ]);
  });

  it("a push subscription that is gone (410) hands the message to the SMS fallback at once", async () => {
    await call("PUT", "/v1/subscribers/gone-push", { name: "Gone", phone: "+15005550103" });
    const token = (await call("POST", "/v1/subscribers/gone-push/tokens", {})).body.token;
    const browser = push.subscribe();
    expect((await call("POST", "/v1/me/push-subscriptions", browser, token)).status).toBe(201);
    push.gone.add(browser.endpoint.split("/").pop()!);

    await call("POST", "/v1/events", { id: "courier-1", type: "order.courier", to: "gone-push", data: { text: "courier on the way" } });
    await herald.outbox.drain();
    await herald.outbox.drain();
    expect(smsTo("+15005550103")).toHaveLength(1);
    const list = await deliveries("courier-1");
    expect(list.map((d) => [d.channel, d.status])).toEqual([
      ["push", "failed"],
      ["sms", "sent"],
    ]);
    // The dead subscription is forgotten at once.
    expect(await herald.store.pushSubscriptions.of("gone-push")).toEqual([]);
  });
});
