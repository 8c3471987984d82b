/**
 * bench/sms: SMS messages per second through Herald's sms channel (Twilio provider) to the local
 * Twilio Messages API peer (src/channels/sms/twilio.peer.ts, in its own process), side by side in one run with a
 * naive sender: a plain `fetch` loop posting the same form (To, From, Body, StatusCallback) with the
 * same Basic auth and concurrency. The official `twilio` SDK is not installed here, so it is not compared.
 * Then the throughput of segment counting and of X-Twilio-Signature verification (WebCrypto).
 *
 *   npx tsx bench/sms.ts          (BENCH_SMS_N=2000 BENCH_SMS_ROUNDS=3 BENCH_SMS_CONCURRENCY=32 by default)
 *
 * Senders take turns, N messages each per round, for several rounds; the table shows the median
 * round. Sender CPU per message is the steadier figure on a shared machine; msgs/s moves with load.
 *
 * Herald's side is the channel's `send` (E.164 check, segment count against SMS_MAX_SEGMENTS, form
 * encoding, the engine's outbound fetch with its SSRF guard and timeout, Twilio error mapping); the
 * outbox and store are not in the loop, so this is the channel's ceiling, not the end-to-end rate.
 */
import { createInterface } from "node:readline";
import { smsChannel } from "../src/channels/sms/sms.js";
import { countSegments } from "../src/channels/sms/segments.js";
import { twilioSignatureVerifier } from "../src/channels/sms/twilio-signature.js";
import type { ChannelMessage } from "../src/core/channels/define.js";
import { createChannelRegistry } from "../src/core/channels/registry.js";
import { createSendContext } from "../src/core/channels/send-context.js";
import { createNodeFetch, nodeFetchOptions } from "../src/runtimes/node/net/fetch.js";
import { startTwilioPeer, twilioSign } from "../src/channels/sms/twilio.peer.js";
import { pool, spawnJsonPeer } from "./support/harness.js";

// The peer runs in a child process (this same file with --peer) so its work is not billed to the sender.
if (process.argv.includes("--peer")) {
  const peer = await startTwilioPeer();
  console.log(JSON.stringify({ url: peer.url, accountSid: peer.accountSid, authToken: peer.authToken, from: peer.from }));
  createInterface({ input: process.stdin }).on("line", () => console.log(JSON.stringify({ count: peer.messages.length })));
  process.stdin.on("end", () => process.exit(0));
} else {
  await main();
}

async function main() {
  const N = Number(process.env.BENCH_SMS_N ?? 2000);
  const ROUNDS = Number(process.env.BENCH_SMS_ROUNDS ?? 3);
  const CONCURRENCY = Number(process.env.BENCH_SMS_CONCURRENCY ?? 32);
  const proc = await spawnJsonPeer<{ url: string; accountSid: string; authToken: string; from: string }>("bench/sms.ts", ["--peer"]);
  const peer = proc.hello;
  const count = async () => (await proc.ask<{ count: number }>("count")).count;

  const text = "Order 1234 is with the courier and arrives today between 14:00 and 16:00. Track: https://shop.example/t/1234";
  const statusCallback = "https://herald.example.com/v1/channels/sms/webhook";
  const env = { TWILIO_ACCOUNT_SID: peer.accountSid, TWILIO_AUTH_TOKEN: peer.authToken, TWILIO_FROM: peer.from, TWILIO_API_URL: peer.url };
  const services = {
    links: { publicUrl: () => "https://herald.example.com", webhook: (id: string) => `https://herald.example.com/v1/channels/${id}/webhook` },
  } as unknown as Parameters<typeof createChannelRegistry>[2];
  const instance = createChannelRegistry([smsChannel], env, services).get("sms")!.instance!;
  const message = (i: number): ChannelMessage<{ text: string }> => ({
    notificationId: `ntf_${i}`,
    deliveryId: `dlv_${i}`,
    eventId: "evt_bench",
    critical: true,
    category: "orders",
    subscriber: { id: `sub-${i}`, name: null, email: null, phone: `+7916${String(1_000_000 + i).slice(-7)}`, locale: "en" },
    content: { text },
    data: {},
  });

  type Sample = { perSecond: number; cpuMsPerMsg: number; ok: number; arrived: number };
  const samples = new Map<string, Sample[]>();
  async function measure(name: string, send: (i: number) => Promise<boolean>) {
    if (!samples.has(name)) {
      samples.set(name, []);
      await pool(200, 16, async (i) => void (await send(i))); // warm-up: connections, JIT
    }
    const before = await count();
    let ok = 0;
    const cpu = process.cpuUsage();
    const t = performance.now();
    await pool(N, CONCURRENCY, async (i) => {
      if (await send(i)) ok++;
    });
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    samples.get(name)!.push({ perSecond: N / seconds, cpuMsPerMsg: (used.user + used.system) / 1000 / N, ok, arrived: (await count()) - before });
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  const endpoint = `${peer.url}/2010-04-01/Accounts/${peer.accountSid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${peer.accountSid}:${peer.authToken}`).toString("base64")}`;
  const naive = (doFetch: typeof fetch) => async (i: number) => {
    const m = message(i);
    const response = await doFetch(endpoint, {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ To: m.subscriber.phone!, From: peer.from, Body: text, StatusCallback: statusCallback }).toString(),
    });
    const body = (await response.json()) as { sid?: string };
    return response.status === 201 && typeof body.sid === "string";
  };

  // As the Node runtime builds it (node/server.ts), with HERALD_HTTP2 and the like from this environment.
  const nodeFetch = createNodeFetch({ allowPrivateNetwork: false }, nodeFetchOptions(process.env));
  const heraldNode = createSendContext({ allowPrivateNetwork: true, fetch: nodeFetch });
  const heraldGlobal = createSendContext({ allowPrivateNetwork: true });
  const senders: [string, (i: number) => Promise<boolean>][] = [
    ["Herald sms channel, node-fetch (as the Node runtime)", async (i) => (await instance.send(message(i), heraldNode)).ok],
    ["naive loop, node-fetch", naive(nodeFetch)],
    ["Herald sms channel, global fetch", async (i) => (await instance.send(message(i), heraldGlobal)).ok],
    ["naive loop, global fetch", naive(fetch)],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first so no sender always meets the same moment of a shared machine.
    for (let k = 0; k < senders.length; k++) {
      const [name, send] = senders[(k + round) % senders.length]!;
      await measure(name, send);
    }
  }
  proc.stop();

  console.log(`\nSMS to the local Twilio peer: ${ROUNDS} rounds x ${N} messages per sender, concurrency ${CONCURRENCY}, ${text.length}-character GSM-7 text (median round)\n`);
  console.log("sender                                               |    msgs/s | sender CPU ms/msg | ok / arrived (all rounds)");
  for (const [name, list] of samples) {
    const ok = list.reduce((a, r) => a + r.ok, 0);
    const arrived = list.reduce((a, r) => a + r.arrived, 0);
    console.log(`${name.padEnd(52)} | ${median(list.map((r) => r.perSecond)).toFixed(0).padStart(9)} | ${median(list.map((r) => r.cpuMsPerMsg)).toFixed(3).padStart(17)} | ${ok} / ${arrived}`);
  }

  // Segment counting.
  const texts: [string, string][] = [
    ["GSM-7, 110 chars", text],
    ["GSM-7 with € and {}, 400 chars", ("Sale {50%} off € " + text).repeat(4).slice(0, 400)],
    ["Cyrillic (UCS-2), 300 chars", "Ваш заказ 1234 передан курьеру и приедет сегодня с 14:00 до 16:00. ".repeat(5).slice(0, 300)],
    ["emoji mix (UCS-2), 160 code points", "Order 👍 ready 🚚 ".repeat(10).slice(0, 160)],
  ];
  console.log("\nsegment counting (countSegments)        |   texts/s | µs/text | chars/µs | result");
  for (const [name, sample] of texts) {
    for (let i = 0; i < 20_000; i++) countSegments(sample);
    const runs = 200_000;
    const t = performance.now();
    let info = countSegments(sample);
    for (let i = 0; i < runs; i++) info = countSegments(sample);
    const us = ((performance.now() - t) * 1000) / runs;
    const chars = [...sample].length;
    console.log(`${name.padEnd(39)} | ${(1e6 / us).toFixed(0).padStart(9)} | ${us.toFixed(2).padStart(7)} | ${(chars / us).toFixed(1).padStart(8)} | ${info.encoding}, ${info.segments} seg`);
  }

  // Signature verification of a status callback (WebCrypto HMAC-SHA1, two URL forms checked).
  const verifier = twilioSignatureVerifier(peer.authToken);
  const params = { AccountSid: peer.accountSid, ApiVersion: "2010-04-01", From: peer.from, MessageSid: "SM" + "a".repeat(32), MessageStatus: "delivered", SmsSid: "SM" + "a".repeat(32), SmsStatus: "delivered", To: "+79161234567" };
  const body = new URLSearchParams(params).toString();
  const signature = twilioSign(peer.authToken, statusCallback, params);
  for (let i = 0; i < 2000; i++) await verifier.verify(statusCallback, body, signature);
  const VER = 20_000;
  const t = performance.now();
  let valid = true;
  for (let i = 0; i < VER; i++) valid = (await verifier.verify(statusCallback, body, signature)) && valid;
  const us = ((performance.now() - t) * 1000) / VER;
  console.log(`\nX-Twilio-Signature verification: ${(1e6 / us).toFixed(0)} callbacks/s (${us.toFixed(1)} µs each), all valid: ${valid}`);
  process.exit(0);
}
