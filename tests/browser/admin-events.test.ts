/**
 * The event timeline: after a provider outage (the SMS gateway answers 503 twice, then takes the
 * message) one event's story shows the matched rule, the notification and the delivery's three
 * attempts with the provider's id; events are found by id, type or subscriber, and the story is
 * reachable from a dashboard failure row and from a subscriber's history.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SmsGatewayPeer, startSmsGatewayPeer } from "../../src/channels/sms/gateway.peer.js";
import { type api, eventually, type HeraldProcess } from "../support/server.js";
import { adminPage, axeViolations, ok, PHONE, startShop } from "./admin-fixture.js";
import { launchBrowser } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;
let gateway: SmsGatewayPeer;

beforeAll(async () => {
  gateway = await startSmsGatewayPeer();
  // Retries a hundred times sooner than in production (100 ms, then 200 ms).
  [{ herald, call }, browser] = await Promise.all([startShop(gateway.env({ HERALD_RETRY_TIME_SCALE: "0.01" })), launchBrowser()]);
  await ok(call("PUT", "/v1/rules/sms-alert", { event: "sms.alert", steps: [{ channel: "sms", template: "order-status" }] }));
  await ok(call("PUT", "/v1/subscribers/with-phone", { name: "Phone", phone: "+15550100" }));
  gateway.script.push({ status: 503 }, { status: 503 });
  await ok(call("POST", "/v1/events", { id: "outage-1", type: "sms.alert", to: "with-phone", data: { order: 7, courier: "Ivan" } }));
  await eventually(async () => ((await call("GET", "/v1/events/outage-1")).body.notifications?.[0]?.deliveries?.[0]?.status === "sent" ? true : undefined), 30_000);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await gateway?.close();
});

describe("admin event timeline", () => {
  it("finds an event and tells its story, attempts after a provider outage included", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await page.locator("[data-nav=events]").click();
    for (const q of ["outage-1", "sms.alert", "with-phone"]) {
      await page.locator("#event-q").fill(q);
      await page.locator("#event-q").press("Enter");
      await expect.poll(() => page.locator("#event-table tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id))).toEqual(["outage-1"]);
    }
    await page.locator("#event-table tr[data-id=outage-1] a").click();
    await expect.poll(() => page.locator("#event-story").count()).toBe(1);
    expect(await page.locator("#event-rules [data-rule]").allTextContents()).toEqual(["sms-alert"]);
    const sms = page.locator("tr[data-channel=sms]");
    expect(await sms.getAttribute("data-status")).toBe("sent");
    expect(await sms.locator(".attempts").textContent()).toBe("3");
    expect(await sms.locator(".provider-id").textContent()).toContain(gateway.received[0]!.messageId);
    expect(await page.locator("#event-received pre").textContent()).toContain('"courier": "Ivan"');
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens the story from a dashboard failure row and from a subscriber's history, on a phone", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url, PHONE);
    // The nav wraps on a phone: every section, Broadcasts last, is on screen.
    const box = await page.locator("[data-nav=broadcasts]").boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    await expect.poll(() => page.locator("#failure-table tr[data-code=not_configured]").count()).toBe(1);
    await page.locator("#failure-table tr[data-code=not_configured] a.story").click();
    await expect.poll(() => page.locator("#event-story h1").textContent()).toBe("ops.alert · ops-1");
    expect(await page.locator("tr[data-channel=mattermost] .answer").textContent()).toContain("not_configured");
    await page.goto(`${herald.url}/admin/#/subscribers/member-1`);
    await expect.poll(() => page.locator("#history tbody tr").count()).toBe(3);
    await page.locator("#history tbody tr a").first().click();
    await expect.poll(() => page.locator("#event-story [data-subscriber=member-1]").count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
