/**
 * Provider failover within a channel (issue 17): EMAIL_PROVIDERS=smtp,resend, Herald in process on a
 * manual clock, the real SMTP and Resend peers. With the SMTP server down, the same email goes out
 * through Resend in the same attempt (no retry wait) and the delivery names the provider; three
 * failures in a row open SMTP's circuit; once the server is back and the cool-down has passed, one
 * trial send goes to SMTP and email flows through it again. A final refusal (550) is not failed over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { socketChannels } from "../../src/channels/socket-channels.js";
import { checkedLookup } from "../../src/runtimes/shared/guarded-lookup.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { startSmtpPeer, type SmtpPeer } from "../../src/channels/email/smtp.peer.js";
import { startResendPeer, type ResendPeer } from "../../src/channels/email/resend.peer.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
let herald: Herald;
let smtp: SmtpPeer;
let resend: ResendPeer;
let closeDb: () => void;
const call = inProcessApi(() => herald);
const email = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries).find((d) => d.channel === "email");
let n = 0;
async function send(to = "ann@example.com"): Promise<string> {
  const id = `mail-${++n}`;
  await call("PUT", "/v1/subscribers/ann", { name: "Ann", email: to });
  expect((await call("POST", "/v1/events", { id, type: "order.shipped", to: "ann", data: { n } })).status).toBe(202);
  await herald.outbox.drain();
  return id;
}

beforeAll(async () => {
  [smtp, resend] = await Promise.all([startSmtpPeer(), startResendPeer()]);
  const { store, client } = await openLibsqlStore(tempDatabaseUrl());
  closeDb = () => client.close();
  herald = await createHerald({
    store,
    clock,
    logger: silentLogger,
    channels: socketChannels({ guardedLookup: checkedLookup }),
    env: {
      ...TEST_SECRETS,
      HERALD_ALLOW_PRIVATE_NETWORK: "1",
      EMAIL_FROM: "Shop <shop@shop.example>",
      SMTP_URL: smtp.url,
      EMAIL_API_URL: resend.url,
      EMAIL_API_KEY: resend.apiKey,
      EMAIL_PROVIDERS: "smtp,resend",
      EMAIL_BREAKER_FAILURES: "3",
      EMAIL_BREAKER_COOLDOWN_MS: "60000",
      EMAIL_TIMEOUT_MS: "3000",
    },
  });
  await call("PUT", "/v1/templates/shipped", { channels: { email: { subject: "Order {{data.n}} shipped", mjml: "<mjml><mj-body><mj-section><mj-column><mj-text>Order {{data.n}}</mj-text></mj-column></mj-section></mj-body></mjml>" } } });
  expect((await call("PUT", "/v1/rules/shipped", { event: "order.shipped", critical: true, steps: [{ channel: "email", template: "shipped" }] })).status).toBe(200);
});
afterAll(async () => {
  await herald?.outbox.stop();
  closeDb?.();
  await Promise.all([smtp?.close(), resend?.close()]);
});

describe("email provider failover", () => {
  it("sends through Resend while SMTP is down, and through SMTP again once it is back", async () => {
    const first = await send();
    expect(await email(first)).toMatchObject({ status: "sent", provider: "smtp", attempts: 1 });
    expect(smtp.received).toHaveLength(1);

    const port = smtp.port;
    await smtp.close();
    const during: string[] = [];
    for (let i = 0; i < 4; i++) during.push(await send());
    // Each one in its first attempt, through Resend, with no retry waited out.
    for (const id of during) expect(await email(id)).toMatchObject({ status: "sent", provider: "resend", attempts: 1 });
    expect(resend.emails.map((e) => e.subject)).toEqual(["Order 2 shipped", "Order 3 shipped", "Order 4 shipped", "Order 5 shipped"]);

    // Back on the same address; until the cool-down ends the open circuit keeps mail on Resend.
    smtp = await startSmtpPeer({ port });
    const stillOpen = await send();
    expect(await email(stillOpen)).toMatchObject({ status: "sent", provider: "resend" });
    expect(smtp.received).toHaveLength(0);

    clock.advance(61_000);
    const trial = await send();
    expect(await email(trial)).toMatchObject({ status: "sent", provider: "smtp" });
    const after = await send();
    expect(await email(after)).toMatchObject({ status: "sent", provider: "smtp" });
    expect(smtp.received.map((m) => m.mail.subject)).toEqual(["Order 7 shipped", "Order 8 shipped"]);
    expect(resend.emails).toHaveLength(5);
  });

  it("does not fail over a final refusal: the address is refused whoever sends", async () => {
    smtp.unknownUsers.add("nobody@example.com");
    const id = await send("nobody@example.com");
    expect(await email(id)).toMatchObject({ status: "failed", provider: "smtp" });
    expect(resend.emails.some((e) => e.to.includes("nobody@example.com"))).toBe(false);
  });
});
