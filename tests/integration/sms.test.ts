/**
 * SMS through a real Herald process and the Twilio Messages API peer: rendering in the subscriber's
 * language, segment facts in the preview, Twilio's signed status callback reaching
 * `POST /v1/channels/sms/webhook`, the fallback step it starts, and suppression of a dead number.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { startTwilioPeer, twilioSign, type TwilioPeer } from "../../src/channels/sms/twilio.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

let herald: HeraldProcess;
let twilio: TwilioPeer;
let mattermost: MattermostPeer;
let call: ReturnType<typeof api>;

async function deliveries(eventId: string): Promise<{ channel: string; status: string; providerMessageId: string | null; lastError?: string | null }[]> {
  const res = await call("GET", `/v1/events/${eventId}`);
  return res.body?.notifications?.flatMap((n: any) => n.deliveries) ?? [];
}

beforeAll(async () => {
  [twilio, mattermost] = await Promise.all([startTwilioPeer(), startMattermostPeer()]);
  herald = await startHerald({ env: { ...twilio.env(), MATTERMOST_WEBHOOK_URL: mattermost.hookUrl } });
  call = api(herald.url);
  await call("PUT", "/v1/templates/courier", {
    channels: { sms: { text: "Order {{data.order}} for {{subscriber.name}} is with the courier" }, mattermost: { text: "fallback {{data.order}}" } },
    locales: { ru: { channels: { sms: { text: "Заказ {{data.order}} для {{subscriber.name}} передан курьеру" } } } },
  });
  await call("PUT", "/v1/rules/courier", {
    event: "order.courier",
    critical: true,
    steps: [
      { channel: "sms", template: "courier" },
      { channel: "mattermost", template: "courier", fallback: true },
    ],
  });
});
afterAll(async () => {
  await herald?.stop();
  await Promise.all([twilio?.close(), mattermost?.close()]);
});

describe("sms end to end", () => {
  it("previews the encoding and segment count of each locale", async () => {
    const en = await call("POST", "/v1/templates/courier/preview", { data: { order: 1234 }, subscriber: { name: "Ann & Bob" }, channels: ["sms"] });
    expect(en.status).toBe(200);
    expect(JSON.stringify(en.body)).toContain("Order 1234 for Ann & Bob is with the courier");
    expect(JSON.stringify(en.body)).toMatch(/"encoding":"GSM-7","segments":1/);
    const ru = await call("POST", "/v1/templates/courier/preview", { data: { order: 1234 }, subscriber: { name: "Иван" }, locale: "ru", channels: ["sms"] });
    expect(JSON.stringify(ru.body)).toMatch(/"encoding":"UCS-2","segments":1/);
  });

  it("sends in the subscriber's language, unescaped, and records Twilio's sid", async () => {
    await call("PUT", "/v1/subscribers/ivan", { name: "Иван <VIP>", phone: "+79161234567", locale: "ru" });
    expect((await call("POST", "/v1/events", { id: "sms-e2e-1", type: "order.courier", to: "ivan", data: { order: 77 } })).status).toBe(202);
    const sent = await eventually(() => twilio.messages.find((m) => m.to === "+79161234567"));
    expect(sent.body).toBe("Заказ 77 для Иван <VIP> передан курьеру");
    expect(sent.statusCallback).toBe(`${herald.url}/v1/channels/sms/webhook`);
    const [sms] = await eventually(async () => {
      const list = await deliveries("sms-e2e-1");
      return list.find((d) => d.channel === "sms" && d.status === "sent") ? list : undefined;
    });
    expect(sms).toMatchObject({ channel: "sms", status: "sent", providerMessageId: sent.sid });

    expect((await twilio.sendStatus(sent.sid, "delivered")).status).toBe(204);
    await eventually(async () => (await deliveries("sms-e2e-1")).find((d) => d.channel === "sms" && d.status === "delivered"));
  });

  it("refuses a forged status callback with 403", async () => {
    const sent = twilio.messages[0]!;
    const url = `${herald.url}/v1/channels/sms/webhook`;
    const params = { MessageSid: sent.sid, MessageStatus: "failed", ErrorCode: "30006", To: sent.to };
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSign("guessed", url, params) }, body: new URLSearchParams(params) });
    expect(res.status).toBe(403);
    expect((await deliveries("sms-e2e-1")).find((d) => d.channel === "sms")!.status).toBe("delivered");
  });

  it("falls back when Twilio reports the SMS undelivered, and never texts a landline again", async () => {
    await call("PUT", "/v1/subscribers/lena", { name: "Lena", phone: "+442071234567", locale: "en" });
    await call("POST", "/v1/events", { id: "sms-e2e-2", type: "order.courier", to: "lena", data: { order: 88 } });
    const sent = await eventually(() => twilio.messages.find((m) => m.to === "+442071234567"));
    await eventually(async () => (await deliveries("sms-e2e-2")).find((d) => d.channel === "sms" && d.status === "sent"));
    expect((await twilio.sendStatus(sent.sid, "undelivered", { errorCode: 30006 })).status).toBe(204);

    await eventually(() => mattermost.received.find((p) => p.text === "fallback 88"));
    const list = await deliveries("sms-e2e-2");
    expect(list.find((d) => d.channel === "sms")).toMatchObject({ status: "failed" });

    const before = twilio.messages.length;
    await call("POST", "/v1/events", { id: "sms-e2e-3", type: "order.courier", to: "lena", data: { order: 89 } });
    await eventually(() => mattermost.received.find((p) => p.text === "fallback 89"));
    expect((await deliveries("sms-e2e-3")).find((d) => d.channel === "sms")!.lastError).toMatch(/suppressed/);
    expect(twilio.messages.length).toBe(before);
  });

  it("suppresses a number Twilio refuses as unsubscribed (21610) at send time, and falls back", async () => {
    await call("PUT", "/v1/subscribers/stopped", { name: "Stop", phone: "+15005550004", locale: "en" });
    await call("POST", "/v1/events", { id: "sms-stop-1", type: "order.courier", to: "stopped", data: { order: 90 } });
    await eventually(() => mattermost.received.find((p) => p.text === "fallback 90"));
    expect((await deliveries("sms-stop-1")).find((d) => d.channel === "sms")!.lastError).toMatch(/21610|unsubscribed/);
    await call("POST", "/v1/events", { id: "sms-stop-2", type: "order.courier", to: "stopped", data: { order: 91 } });
    await eventually(() => mattermost.received.find((p) => p.text === "fallback 91"));
    expect((await deliveries("sms-stop-2")).find((d) => d.channel === "sms")!.lastError).toMatch(/suppressed/);
  });
});
