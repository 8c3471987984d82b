/**
 * The admin template editor draws Telegram's fields and previews them (its HTML formatted) from the
 * channel's declaration alone: no admin UI code names Telegram (checked below as well).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, pageErrors, screenshot } from "../../../tests/browser/support.js";
import { api, type HeraldProcess, startHerald } from "../../../tests/support/server.js";

const PASSWORD = "correct horse battery staple";
let herald: HeraldProcess;
let browser: Browser;

beforeAll(async () => {
  [herald, browser] = await Promise.all([
    startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD, TELEGRAM_BOT_TOKEN: "123456789:AAH-browser_test_token_0123456789ab" } }),
    launchBrowser(),
  ]);
  const put = await api(herald.url)("PUT", "/v1/subscribers/alice", { name: "Alice", telegram: "1001" });
  expect(put.status).toBeLessThan(300);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

describe("admin template editor with Telegram", () => {
  it("has no admin UI code for Telegram", async () => {
    const dir = join(import.meta.dirname, "../../../admin-ui");
    const files = (await readdir(dir, { recursive: true })).filter((f) => /\.(js|html|css)$/.test(f));
    for (const file of files) expect(await readFile(join(dir, file), "utf8"), file).not.toMatch(/telegram/i);
  });

  it("shows Telegram's fields, previews the text with its buttons and counts characters", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      if (window === window.top) localStorage.setItem("herald.admin.lang", "en");
    });
    const errors = pageErrors(page);
    await page.goto(`${herald.url}/admin/`);
    await page.locator("#password").fill(PASSWORD);
    await page.locator("#login-submit").click();
    await expect.poll(() => page.locator("#dashboard").count()).toBe(1);

    await page.locator("[data-nav=templates]").click();
    await page.locator("#new-template-key").fill("tg-order");
    await page.locator("#new-template-key").press("Enter");
    await expect.poll(() => page.locator("#template-editor").count()).toBe(1);
    expect(await page.locator("#add-channel option[value=telegram]").count()).toBe(1);
    await page.locator("#add-channel").selectOption("telegram");
    await page.locator('[data-path="channels.telegram.text"]').fill("<b>Hi {{subscriber.name}}</b>, your order is on its way");
    await page.locator('[data-path="channels.telegram.actions"]').fill('[{"action": "track", "title": "Track", "url": "https://shop.example/t"}]');
    const preview = page.locator("#preview [data-channel=telegram]");
    // Formatted as Telegram shows it, not as tags.
    await expect.poll(() => preview.locator(".b").innerHTML()).toBe("<b>Hi Alice</b>, your order is on its way");
    // Polled too: the preview may have been drawn between the two fills.
    await expect.poll(() => preview.locator(".actions span").allTextContents()).toEqual(["Track"]);
    await expect.poll(() => preview.locator(".preview-details").textContent()).toBe("34 characters, 1 message(s)");
    await screenshot(page, "admin-template-telegram");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#version-list li").count()).toBe(1);
    const saved = await api(herald.url)("GET", "/v1/templates/tg-order");
    expect(saved.body.channels.telegram).toEqual({ text: "<b>Hi {{subscriber.name}}</b>, your order is on its way", actions: [{ action: "track", title: "Track", url: "https://shop.example/t" }] });
    expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
    await context.close();
  });
});
