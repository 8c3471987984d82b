/**
 * The template editor: each template previews with its own sample (derived from its placeholders,
 * editable, saved with it); an invalid edit leaves the last render marked out of date; SMS shows its
 * character count; MJML errors point at the author's lines; on a phone the preview comes first.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { api, HeraldProcess } from "../support/server.js";
import { adminPage, ok, PHONE, startShop } from "./admin-fixture.js";
import { launchBrowser } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  [{ herald, call }, browser] = await Promise.all([startShop(), launchBrowser()]);
  await ok(call("PUT", "/v1/templates/sale", { channels: { realtime: { title: "Sale {{data.discount}}% off", body: "Code {{data.promo.code}}, {{subscriber.name}}" } } }));
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

const sampleData = async (page: import("playwright-core").Page) => JSON.parse(await page.locator("#sample-data").inputValue());

describe("template editor", () => {
  it("previews each template with its own sample, and saves the sample with it", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await page.goto(`${herald.url}/admin/#/templates/sale`);
    await expect.poll(() => page.locator("#preview [data-channel=realtime] .t").textContent()).toBe("Sale discount% off");
    expect(await sampleData(page)).toEqual({ discount: "discount", promo: { code: "code" } });
    await page.locator("#sample-data").fill(JSON.stringify({ discount: 30, promo: { code: "SPRING" } }));
    await expect.poll(() => page.locator("#preview [data-channel=realtime] .b").textContent()).toBe("Code SPRING, Alice");
    await page.locator("#save").click();
    await expect.poll(async () => (await call("GET", "/v1/templates/sale")).body.sample).toEqual({ data: { discount: 30, promo: { code: "SPRING" } }, subscriber: { name: "Alice" } });
    await page.reload();
    await expect.poll(() => page.locator("#preview [data-channel=realtime] .t").textContent()).toBe("Sale 30% off");
    // Another template gets its own placeholders, not this one's sample.
    await page.goto(`${herald.url}/admin/#/templates/order-status`);
    await expect.poll(() => page.locator("#preview [data-channel=sms]").count()).toBe(1);
    expect(await sampleData(page)).toEqual({ order: "order", courier: "courier" });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("marks a stale preview, counts SMS characters and points MJML errors at the author's line", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await page.goto(`${herald.url}/admin/#/templates/order-status`);
    await page.locator("#sample-data").fill(JSON.stringify({ order: 1234, courier: "Almaz" }));
    const sms = "Order 1234: courier Almaz is on the way";
    await expect.poll(() => page.locator("#preview [data-channel=sms] .preview-sms").textContent()).toBe(sms);
    expect(await page.locator("#preview [data-channel=sms] .preview-details").textContent()).toBe(`${sms.length} characters, GSM-7, 1 segment(s)`);
    await page.locator("#channel-tabs [data-channel=realtime]").click();
    await page.locator('[data-path="channels.realtime.title"]').fill("Order {{data.order");
    await expect.poll(() => page.locator("#preview-stale").count()).toBe(1);
    expect(await page.locator("#preview").getAttribute("class")).toContain("stale");
    await page.locator('[data-path="channels.realtime.title"]').fill("Order {{data.order}}");
    await expect.poll(() => page.locator("#preview-stale").count()).toBe(0);
    expect(await page.locator("#preview").getAttribute("class")).not.toContain("stale");
    await page.locator("#channel-tabs [data-channel=email]").click();
    await page.locator('[data-path="channels.email.mjml"]').fill(["<mj-section>", "  <mj-column>", '    <mj-text color="nope">x</mj-text>', "  </mj-column>", "</mj-section>"].join("\n"));
    await expect.poll(() => page.locator('[data-path="channels.email.mjml"] + .error').textContent()).toMatch(/^line 3: /);
    expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
    await context.close();
  });

  it("shows the preview above the form on a phone", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url, PHONE);
    await page.goto(`${herald.url}/admin/#/templates/order-status`);
    await expect.poll(() => page.locator("#preview [data-channel=push]").count()).toBe(1);
    const preview = (await page.locator("#preview").boundingBox())!;
    const form = (await page.locator("#fields").boundingBox())!;
    expect(preview.y).toBeLessThan(form.y);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
