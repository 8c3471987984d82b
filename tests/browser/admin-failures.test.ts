/**
 * Failures with meaning: the dashboard counts setup gaps, unreachable recipients and provider
 * failures apart, says what to do about each, offers Retry only where it can help (and the API
 * refuses the rest), and a failure row's link to a subscriber erased since opens no error page.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SmsGatewayPeer, startSmsGatewayPeer } from "../../src/channels/sms/gateway.peer.js";
import { type api, eventually, type HeraldProcess } from "../support/server.js";
import { adminPage, ok, startShop } from "./admin-fixture.js";
import { launchBrowser } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;
let gateway: SmsGatewayPeer;

const failed = async (eventId: string) =>
  eventually(async () => {
    const d = (await call("GET", `/v1/events/${eventId}`)).body.notifications?.[0]?.deliveries?.[0];
    return d && ["failed", "dead"].includes(d.status) ? d : undefined;
  });

beforeAll(async () => {
  gateway = await startSmsGatewayPeer();
  [{ herald, call }, browser] = await Promise.all([startShop(gateway.env()), launchBrowser()]);
  await ok(call("PUT", "/v1/rules/sms-alert", { event: "sms.alert", steps: [{ channel: "sms", template: "order-status" }] }));
  await ok(call("PUT", "/v1/rules/push-alert", { event: "push.alert", steps: [{ channel: "push", template: "order-status" }] }));
  await ok(call("PUT", "/v1/subscribers/with-phone", { name: "Phone", phone: "+15550100" }));
  // A provider failure: the gateway refuses (400 is final, not retried).
  gateway.script.push({ status: 400 });
  await ok(call("POST", "/v1/events", { id: "sms-1", type: "sms.alert", to: "with-phone", data: { order: 1, courier: "A" } }));
  // A recipient gap: member-5 has no push device.
  await ok(call("POST", "/v1/events", { id: "push-1", type: "push.alert", to: "member-5", data: { order: 2, courier: "B" } }));
  await Promise.all([failed("ops-1"), failed("sms-1"), failed("push-1")]);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await gateway?.close();
});

describe("admin failures", () => {
  it("separates setup gaps from provider failures, says what to do, and offers Retry only where it helps", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    const row = (code: string) => page.locator(`#failure-table tr[data-code=${code}]`);
    await expect.poll(() => page.locator("#failure-table tr[data-delivery]").count()).toBe(3);
    expect(await page.locator("#failure-kinds [data-kind=configuration] .n").textContent()).toBe("1");
    expect(await page.locator("#failure-kinds [data-kind=recipient] .n").textContent()).toBe("1");
    expect(await page.locator("#failure-kinds [data-kind=provider] .n").textContent()).toBe("1");
    // The misconfigured channel names its missing setting, and has no Retry.
    const missing = (await call("GET", "/v1/stats")).body.configured.find((c: { id: string }) => c.id === "mattermost").missing as string[];
    expect(missing.length).toBeGreaterThan(0);
    expect(await row("not_configured").locator(".advice code").allTextContents()).toEqual(missing);
    expect(await row("not_configured").locator("button.retry").count()).toBe(0);
    expect(await row("no_push_subscription").locator(".advice").textContent()).toContain("no push device");
    expect(await row("no_push_subscription").locator("button.retry").count()).toBe(0);
    // The API refuses to re-queue them as well.
    const setupGap = await row("not_configured").getAttribute("data-delivery");
    expect((await call("POST", `/v1/admin/deliveries/${setupGap}/retry`)).status).toBe(409);
    // The provider's failure can be retried, and goes through now.
    await row("http_400").locator("button.retry").click();
    await eventually(async () => ((await call("GET", "/v1/events/sms-1")).body.notifications[0].deliveries[0].status === "sent" ? true : undefined));
    expect(gateway.received.length).toBe(1);
    await expect.poll(() => page.locator("#failure-table tr[data-delivery]").count()).toBe(2);

    // member-2 (the setup gap's recipient) is erased: the row no longer links to an error page.
    await ok(call("DELETE", "/v1/subscribers/member-2"));
    await page.reload();
    await expect.poll(() => row("subscriber_erased").locator("td:nth-child(3) [data-erased]").count()).toBe(1);
    expect(await row("subscriber_erased").locator("button.retry").count()).toBe(0);
    await page.goto(`${herald.url}/admin/#/subscribers/member-2`);
    await expect.poll(() => page.locator("#subscriber-gone").count()).toBe(1);
    expect(await page.locator(".errors").count()).toBe(0);
    expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
    await context.close();
  });
});
