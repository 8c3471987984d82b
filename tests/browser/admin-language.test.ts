/**
 * Russian throughout: delivery statuses, channel names and the server's problem details read in
 * Russian, and tables and chart axes format times the same way (Intl, in the UI's language).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HeraldProcess } from "../support/server.js";
import { adminPage, DESKTOP, startShop } from "./admin-fixture.js";
import { launchBrowser } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;

beforeAll(async () => {
  [{ herald }, browser] = await Promise.all([startShop(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

/** en-GB and ru-RU short date and time, as Intl writes them. */
const FORMAT = { en: /^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}$/, ru: /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/ };

async function dashboardTimes(page: Page) {
  await expect.poll(() => page.locator("#failure-table tbody tr").count()).toBeGreaterThan(0);
  await expect.poll(() => page.locator("#charts [data-channel=realtime] .chart").getAttribute("data-x-ticks")).toBeTruthy();
  const ticks = (await page.locator("#charts [data-channel=realtime] .chart").getAttribute("data-x-ticks"))!.split("|");
  const table = await page.locator("#failure-table tbody tr td:first-child").allTextContents();
  return { ticks, table };
}

describe("admin in the reader's language", () => {
  it("shows statuses, channel names, chart axes and server problems in Russian", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url, DESKTOP, "ru");
    const { ticks, table } = await dashboardTimes(page);
    expect(ticks.length).toBeGreaterThan(1);
    for (const text of [...ticks, ...table]) expect(text).toMatch(FORMAT.ru);
    expect(await page.locator("#charts [data-channel=realtime] h2").textContent()).toBe("В приложении (в реальном времени)");
    const failed = page.locator("#failure-table tbody tr").first();
    expect(await failed.locator(".badge[data-status]").textContent()).toMatch(/^(ошибка|не доставлено)$/);
    expect(await page.locator("#channel-config .badge").allTextContents()).toContain("Веб-push");

    // A search says what it found, not how many there are in all.
    await page.goto(`${herald.url}/admin/#/subscribers`);
    await page.locator("#subscriber-q").fill("member-150");
    await page.locator("#subscriber-q").press("Enter");
    await expect.poll(() => page.locator("#subscriber-count").textContent()).toBe("Найдено: 1");

    await page.goto(`${herald.url}/admin/#/subscribers/member-1`);
    await expect.poll(() => page.locator("#history tbody tr").count()).toBe(3);
    for (const badge of await page.locator("#history .badge").allTextContents()) expect(["отправлено", "доставлено"]).toContain(badge);
    for (const time of await page.locator("#history tbody td:first-child").allTextContents()) expect(time).toMatch(FORMAT.ru);

    // A problem from the server: title and field message in Russian.
    await page.goto(`${herald.url}/admin/#/rules`);
    await page.locator("#rule-table tr[data-id=order-courier] a").click();
    await expect.poll(() => page.locator("#rule-id").inputValue()).toBe("order-courier");
    const edited = JSON.parse(await page.locator("#rule-json").inputValue());
    edited.steps[0].template = "nope";
    await page.locator("#rule-json").fill(JSON.stringify(edited));
    await page.locator("#rule-save").click();
    await expect.poll(() => page.locator("#rule-errors li").allTextContents()).toEqual(["steps.0.template: нет шаблона «nope»"]);
    expect(await page.locator("#rule-errors strong").textContent()).toMatch(/[а-я]/);
    expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    await context.close();
  });

  it("formats the same times the same way in tables and charts in English", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url, DESKTOP, "en");
    const { ticks, table } = await dashboardTimes(page);
    for (const text of [...ticks, ...table]) expect(text).toMatch(FORMAT.en);
    expect(await page.locator("#failure-table tbody tr .badge[data-status]").first().textContent()).toMatch(/^(failed|gave up)$/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
