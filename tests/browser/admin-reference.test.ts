/**
 * The API reference page in Chromium: Redoc renders /openapi.json from Herald's own copy, under the
 * page's Content-Security-Policy, asking nothing of any other host.
 */
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeraldProcess, startHerald } from "../support/server.js";
import { join } from "node:path";
import { launchBrowser, pageErrors } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startHerald(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

describe("reference page", () => {
  it("renders every tag and operation from Herald's own files", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = pageErrors(page);
    const elsewhere: string[] = [];
    // Redoc's sidebar credit asks for a logo from Redocly's CDN: the page's CSP (img-src 'self' data:)
    // refuses it before it leaves the browser, and Redoc then hides the image. Nothing may get an answer from elsewhere.
    page.on("response", (r) => {
      if (!r.url().startsWith(herald.url) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) elsewhere.push(r.url());
    });
    await page.goto(`${herald.url}/docs`);
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 30_000 }).toContain("Herald");
    const doc = await (await fetch(`${herald.url}/openapi.json`)).json();
    // Every operation of the document has its section (Redoc anchors them by tag and operationId).
    const ids = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((m) => Object.values(m).map((o) => o.operationId));
    await expect.poll(() => page.locator("[id^='tag/'][id*='/operation/']").count()).toBe(ids.length);
    expect(await page.locator("[id='tag/Events/operation/postEvents']").count()).toBe(1);
    // The whole page is tens of thousands of pixels tall: a full-page shot takes longer than the test; the first screen says enough.
    mkdirSync(join(import.meta.dirname, "..", "artifacts"), { recursive: true });
    await page.screenshot({ path: join(import.meta.dirname, "..", "artifacts", "reference.png") });
    expect(elsewhere).toEqual([]);
    expect(errors.filter((e) => !e.includes("cdn.redoc.ly/redoc/logo-mini.svg"))).toEqual([]);
    await page.close();
  });
});
