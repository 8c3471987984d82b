/**
 * SMS provider failover (issue 17): SMS_PROVIDERS=twilio,gateway, Herald in process on a manual
 * clock, the real Twilio Messages API peer and HTTP gateway peer. Twilio answering 500 sends the same
 * message through the gateway at once; two such answers in a row open Twilio's circuit; after the
 * cool-down one trial goes to Twilio, and its success brings SMS back to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { builtInChannels } from "../../src/channels/index.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { startTwilioPeer, type TwilioPeer } from "../../src/channels/sms/twilio.peer.js";
import { startSmsGatewayPeer, type SmsGatewayPeer } from "../../src/channels/sms/gateway.peer.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
let herald: Herald;
let twilio: TwilioPeer;
let gateway: SmsGatewayPeer;
let closeDb: () => void;
const call = inProcessApi(() => herald);
const sms = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries)[0];
let n = 0;
async function send(): Promise<string> {
  const id = `code-${++n}`;
  expect((await call("POST", "/v1/events", { id, type: "login.code", to: "ann", data: { code: `C${n}` } })).status).toBe(202);
  await herald.outbox.drain();
  return id;
}

beforeAll(async () => {
  [twilio, gateway] = await Promise.all([startTwilioPeer(), startSmsGatewayPeer()]);
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({
    store,
    clock,
    logger: silentLogger,
    channels: builtInChannels,
    env: { ...TEST_SECRETS, HERALD_ALLOW_PRIVATE_NETWORK: "1", ...twilio.env(), ...gateway.env(), SMS_PROVIDERS: "twilio,gateway", SMS_BREAKER_FAILURES: "2", SMS_BREAKER_COOLDOWN_MS: "30000" },
  });
  await call("PUT", "/v1/templates/code", { channels: { sms: { text: "Code {{data.code}}" } } });
  expect((await call("PUT", "/v1/rules/code", { event: "login.code", critical: true, steps: [{ channel: "sms", template: "code" }] })).status).toBe(200);
  await call("PUT", "/v1/subscribers/ann", { phone: "+15005550301" });
});
afterAll(async () => {
  await herald?.outbox.stop();
  closeDb?.();
  await Promise.all([twilio?.close(), gateway?.close()]);
});

describe("SMS provider failover", () => {
  it("sends through the gateway while Twilio fails, and through Twilio again after the cool-down", async () => {
    expect(await sms(await send())).toMatchObject({ status: "sent", provider: "twilio" });
    twilio.script.push({ status: 500 }, { status: 500 });
    const failed = [await send(), await send()];
    for (const id of failed) expect(await sms(id)).toMatchObject({ status: "sent", provider: "gateway", attempts: 1 });
    // Circuit open: Twilio is not even asked.
    const asked = twilio.messages.length;
    expect(await sms(await send())).toMatchObject({ status: "sent", provider: "gateway" });
    expect(twilio.messages).toHaveLength(asked);
    expect(gateway.received.map((m) => m.message)).toEqual(["Code C2", "Code C3", "Code C4"]);

    clock.advance(31_000);
    expect(await sms(await send())).toMatchObject({ status: "sent", provider: "twilio" });
    expect(twilio.messages.map((m) => m.body)).toEqual(["Code C1", "Code C5"]);
  });
});
