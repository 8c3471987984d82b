import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, type HeraldProcess, startHerald, TEST_API_KEY } from "../support/server.js";
import { badge, launchBrowser, notify, orderRule, pageErrors, screenshot, shownIds, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startHerald(), launchBrowser()]);
  call = api(herald.url);
  await orderRule(call);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

describe("inbox page", () => {
  it("shows live notifications with the unread badge over WebSocket, and marking read lowers it", async () => {
    const token = await subscriber(call, "live", "Alice");
    await notify(call, "live", 1, "Order accepted");
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${herald.url}/demo/inbox.html#token=${token}&lang=en`);
    await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
    expect(await page.locator("#state").getAttribute("data-transport")).toBe("ws");
    await notify(call, "live", 2, "Being assembled (about 5 minutes)");
    await notify(call, "live", 3, "Courier Almaz is on the way, arriving in 8 minutes");
    await expect.poll(() => shownIds(page)).toHaveLength(3);
    await expect.poll(() => badge(page)).toBe(3);
    expect(await page.locator("#list li .body").allTextContents()).toEqual([
      "Courier Almaz is on the way, arriving in 8 minutes",
      "Being assembled (about 5 minutes)",
      "Order accepted",
    ]);
    await page.locator("#list li").first().click();
    await expect.poll(() => badge(page)).toBe(2);
    await expect.poll(() => page.locator("#list li.unread").count()).toBe(2);
    await screenshot(page, "inbox-live");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("two tabs of one subscriber agree on the badge", async () => {
    const token = await subscriber(call, "tabs", "Bob");
    const context = await browser.newContext();
    const [one, two] = [await context.newPage(), await context.newPage()];
    for (const page of [one, two]) await page.goto(`${herald.url}/demo/inbox.html#token=${token}&lang=en`);
    for (const page of [one, two]) await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
    for (const n of [1, 2, 3, 4]) await notify(call, "tabs", n, `Update ${n}`);
    for (const page of [one, two]) await expect.poll(() => badge(page)).toBe(4);
    await one.locator("#list li").nth(1).click();
    for (const page of [one, two]) await expect.poll(() => badge(page)).toBe(3);
    await two.locator("#readAll").click();
    for (const page of [one, two]) await expect.poll(() => badge(page)).toBe(0);
    await notify(call, "tabs", 5, "One more");
    for (const page of [one, two]) await expect.poll(() => badge(page)).toBe(1);
    await screenshot(one, "inbox-tab-one");
    await screenshot(two, "inbox-tab-two");
    await context.close();
  });
});

describe("order-status demo", () => {
  it("takes the API key, sets everything up through the API and shows the four shop statuses", async () => {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${herald.url}/demo/`);
    await screenshot(page, "demo-index");
    await page.getByRole("link", { name: /Order status|Статус заказа/ }).click();
    await page.evaluate(() => localStorage.setItem("herald.lang", "en"));
    await page.reload();
    await page.locator("#key").fill(TEST_API_KEY);
    await screenshot(page, "demo-inbox-setup");
    await page.locator("#start").click();
    await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
    for (const status of ["accepted", "assembling", "courier", "delivered"]) {
      await page.locator(`[data-status=${status}]`).click();
      // One at a time, so the order on screen is the order pressed.
      await expect.poll(() => page.locator("#list li").count()).toBe(["accepted", "assembling", "courier", "delivered"].indexOf(status) + 1);
    }
    expect(await page.locator("#list li .body").allTextContents()).toEqual([
      "Delivered! Thank you",
      "Courier Almaz is on the way, arriving in 8 minutes",
      "Being assembled (about 5 minutes)",
      "Order #1234 accepted",
    ]);
    expect(await page.locator("#list li .title").first().textContent()).toBe("Order #1234");
    await expect.poll(() => badge(page)).toBe(4);
    await screenshot(page, "demo-inbox-en");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("speaks Russian on a phone-sized screen", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 760 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "ru-RU" });
    const page = await context.newPage();
    await page.goto(`${herald.url}/demo/inbox.html`);
    await page.locator("#key").fill(TEST_API_KEY);
    await page.locator("#start").tap();
    await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
    const before = (await shownIds(page)).length;
    await page.locator("[data-status=courier]").tap();
    await expect.poll(() => page.locator("#list li").count()).toBe(before + 1);
    expect(await page.locator("#list li .body").first().textContent()).toBe("Курьер Алмаз в пути, будет через 8 минут");
    expect(await page.locator("#list li .title").first().textContent()).toBe("Заказ №1234");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "demo-inbox-ru-phone");
    await context.close();
  });
});

describe("resume", () => {
  it("keeps what it showed across a reload and adds only what is new", async () => {
    const token = await subscriber(call, "reload", "Carol");
    const page = await browser.newPage();
    await page.goto(`${herald.url}/demo/inbox.html#token=${token}&lang=en`);
    for (const n of [1, 2]) await notify(call, "reload", n, `Update ${n}`);
    await expect.poll(() => shownIds(page)).toHaveLength(2);
    await page.reload();
    await notify(call, "reload", 3, "Update 3");
    await eventually(async () => (await shownIds(page)).length === 3);
    expect(new Set(await shownIds(page)).size).toBe(3);
    await page.close();
  });
});
