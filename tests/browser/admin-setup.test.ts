/**
 * The admin login page of a Herald started without HERALD_ADMIN_PASSWORD, on workerd (`wrangler
 * dev`, the Worker as deployed) and on Node: it says the password was generated, where it was
 * written once, and how to set one on that runtime; the Worker's log says the same for each unset
 * secret. With the password set, no notice.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeraldProcess, type Runtime, startHerald } from "../support/server.js";
import { launchBrowser, pageErrors } from "./support.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function loginPage(herald: HeraldProcess) {
  const page = await (await browser.newContext()).newPage();
  const errors = pageErrors(page);
  await page.goto(`${herald.url}/admin/`);
  await expect.poll(() => page.locator("#password").count()).toBe(1);
  return { page, errors };
}

describe.each<[Runtime, RegExp]>([
  ["workerd", /npx wrangler tail.*npx wrangler secret put HERALD_ADMIN_PASSWORD/],
  ["node", /the server's output on its first start.*set HERALD_ADMIN_PASSWORD in the environment and restart/],
])("admin login without HERALD_ADMIN_PASSWORD on %s", (runtime, help) => {
  let herald: HeraldProcess;
  beforeAll(async () => {
    herald = await startHerald({ runtime });
  }, 120_000);
  afterAll(async () => {
    await herald?.stop();
  });

  it("tells the operator where the generated password went and how to set one", async () => {
    const { page, errors } = await loginPage(herald);
    const notice = page.locator("#login-setup");
    await expect.poll(() => notice.count()).toBe(1);
    expect(await notice.textContent()).toMatch(/^No HERALD_ADMIN_PASSWORD is set\./);
    expect(await notice.textContent()).toMatch(help);
    expect(errors).toEqual([]);
    if (runtime === "workerd") {
      // The Worker's log, as `wrangler tail` shows it: one warning per unset secret, with its command.
      await expect.poll(() => herald.logs.join("")).toMatch(/HERALD_ADMIN_PASSWORD is not set: .*npx wrangler secret put HERALD_ADMIN_PASSWORD/);
    }
  });
});

describe("admin login with HERALD_ADMIN_PASSWORD", () => {
  it("shows no setup notice", async () => {
    const herald = await startHerald({ runtime: "node", env: { HERALD_ADMIN_PASSWORD: "chosen by the operator" } });
    try {
      const { page, errors } = await loginPage(herald);
      await expect.poll(() => page.locator("#login").count()).toBe(1);
      expect(await page.locator("#login-setup").count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await herald.stop();
    }
  });
});
