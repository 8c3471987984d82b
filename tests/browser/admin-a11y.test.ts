/**
 * Accessibility: axe-core's WCAG 2 A/AA rules report nothing on any admin view, in English and in
 * Russian, at a desktop (1280×800) and a phone (390×844) size. Each view is checked once its data
 * has arrived (charts drawn, preview rendered, a broadcast's progress bar shown).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HeraldProcess } from "../support/server.js";
import { adminPage, axeViolations, DESKTOP, ok, PHONE, startShop } from "./admin-fixture.js";
import { launchBrowser } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;

beforeAll(async () => {
  let call;
  [{ herald, call }, browser] = await Promise.all([startShop(), launchBrowser()]);
  await ok(call("POST", "/v1/broadcasts", { content: { title: "Sale", body: "20% off" }, audience: { topic: "newsletter" }, channels: ["realtime"] }));
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

/** Each view: where it lives, and what shows it has finished drawing. */
const VIEWS: [string, string, (page: Page) => Promise<unknown>][] = [
  ["dashboard", "#/dashboard", (p) => expect.poll(() => p.locator("#failure-table, #failures p").count()).toBeGreaterThan(0)],
  ["subscribers", "#/subscribers", (p) => expect.poll(() => p.locator("#subscriber-table tbody tr").count()).toBeGreaterThan(0)],
  ["subscriber", "#/subscribers/member-1", (p) => expect.poll(() => p.locator("#history tbody tr").count()).toBeGreaterThan(0)],
  ["templates", "#/templates", (p) => expect.poll(() => p.locator("#template-table tbody tr").count()).toBeGreaterThan(0)],
  ["template editor", "#/templates/order-status", (p) => expect.poll(() => p.locator("#preview [data-channel=sms]").count()).toBe(1)],
  ["events", "#/events", (p) => expect.poll(() => p.locator("#event-table tbody tr").count()).toBeGreaterThan(0)],
  ["event story", "#/events/ops-1", (p) => expect.poll(() => p.locator("#event-story tr[data-delivery]").count()).toBe(1)],
  ["rules", "#/rules", (p) => expect.poll(() => p.locator("#rule-table tbody tr").count()).toBeGreaterThan(0)],
  [
    "broadcasts",
    "#/broadcasts",
    async (p) => {
      await expect.poll(() => p.locator("#bc-table tbody tr").count()).toBeGreaterThan(0);
      await p.locator("#bc-table tbody tr").first().click();
      await expect.poll(() => p.locator("#bc-progress").getAttribute("data-status")).toBe("done");
    },
  ],
];

describe("admin accessibility (axe, WCAG 2 A/AA)", () => {
  for (const lang of ["en", "ru"]) {
    for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      it(`reports no violations on any view in ${lang} on a ${size}`, async () => {
        const { page, context, errors } = await adminPage(browser, herald.url, viewport, lang);
        const found: Record<string, unknown> = {};
        for (const [name, hash, ready] of VIEWS) {
          await page.goto(`${herald.url}/admin/${hash}`);
          await ready(page);
          const violations = await axeViolations(page);
          if (violations.length) found[name] = violations;
        }
        // The login page too (logged out).
        await page.locator("#logout").click();
        await expect.poll(() => page.locator("#login").count()).toBe(1);
        const login = await axeViolations(page);
        if (login.length) found.login = login;
        expect(found).toEqual({});
        expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
        await context.close();
      });
    }
  }
});
