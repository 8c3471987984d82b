/**
 * Guards on what cannot be undone: deleting a rule names it and asks; a broadcast shows its audience
 * per channel and asks (a mistyped topic says it reaches nobody, with nothing to send); leaving the
 * template editor with unsaved edits asks.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { api, HeraldProcess } from "../support/server.js";
import { adminPage, ok, startShop } from "./admin-fixture.js";
import { launchBrowser } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  [{ herald, call }, browser] = await Promise.all([startShop(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

describe("admin guards", () => {
  it("names the rule before deleting it, and keeps it when the admin says no", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await page.goto(`${herald.url}/admin/#/rules`);
    await page.locator("#rule-table tr[data-id=ops] a").click();
    await expect.poll(() => page.locator("#rule-id").inputValue()).toBe("ops");
    const asked: string[] = [];
    page.once("dialog", (d) => (asked.push(d.message()), d.dismiss()));
    await page.locator("#rule-editor button.danger").click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('"ops" (ops.alert)');
    expect((await call("GET", "/v1/rules/ops")).status).toBe(200);
    page.once("dialog", (d) => d.accept());
    await page.locator("#rule-editor button.danger").click();
    await expect.poll(() => page.locator("#rule-table tr[data-id=ops]").count()).toBe(0);
    expect((await call("GET", "/v1/rules/ops")).status).toBe(404);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a broadcast's audience per channel before sending, and says plainly when a topic has nobody", async () => {
    // Three members without an email address: email reaches 200 of 203.
    for (const id of ["no-mail-1", "no-mail-2", "no-mail-3"]) {
      await ok(call("PUT", `/v1/subscribers/${id}`, { name: id }));
      await ok(call("PUT", `/v1/topics/newsletter/subscribers/${id}`));
    }
    const counted = await ok(call("POST", "/v1/broadcasts/audience", { audience: { topic: "newsletter" }, channels: ["email", "realtime"] }));
    expect(counted.body).toEqual({ total: 203, estimated: false, sampled: 203, channels: [{ channel: "email", reachable: 200, checked: true }, { channel: "realtime", reachable: 203, checked: false }] });

    const { page, context, errors } = await adminPage(browser, herald.url, undefined, "ru");
    await page.goto(`${herald.url}/admin/#/broadcasts`);
    await page.locator("#bc-form input[name=source][value=adhoc]").check();
    await page.locator("#bc-title").fill("Распродажа");
    await page.locator("#bc-body").fill("Скидка 20%");
    // A mistyped topic: nobody, no Send button, nothing sent.
    await page.locator("#bc-topic").fill("newsleter");
    await page.locator("#bc-send").click();
    await expect.poll(() => page.locator("#bc-confirm-nobody").textContent()).toContain("никого нет");
    expect(await page.locator("#bc-confirm-send").count()).toBe(0);
    await page.locator("#bc-confirm-cancel").click();
    expect(await page.locator("#bc-confirm").count()).toBe(0);
    // The right topic: 203, per channel; Cancel sends nothing.
    await page.locator("#bc-topic").fill("newsletter");
    await page.locator("#bc-send").click();
    await expect.poll(() => page.locator("#bc-confirm").getAttribute("data-total")).toBe("203");
    expect(await page.locator("#bc-confirm-channels li[data-channel=realtime]").getAttribute("data-reachable")).toBe("203");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("#bc-confirm").count()).toBe(0);
    expect((await call("GET", "/v1/broadcasts")).body.items).toEqual([]);
    // Confirmed: it goes.
    await page.locator("#bc-send").click();
    await page.locator("#bc-confirm-send").click();
    await expect.poll(() => page.locator("#bc-progress").getAttribute("data-status"), { timeout: 60_000 }).toBe("done");
    expect((await call("GET", "/v1/broadcasts")).body.items).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("asks before leaving the template editor with unsaved edits, and not after saving", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await page.goto(`${herald.url}/admin/#/templates/order-status`);
    await expect.poll(() => page.locator("#preview [data-channel=push]").count()).toBe(1);
    await page.locator("#channel-tabs [data-channel=push]").click();
    await page.locator('[data-path="channels.push.title"]').fill("Changed {{data.order}}");
    const asked: string[] = [];
    page.once("dialog", (d) => (asked.push(d.message()), d.dismiss()));
    await page.locator("[data-nav=rules]").click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain("unsaved");
    expect(await page.locator("#template-editor").count()).toBe(1);
    expect(page.url()).toContain("#/templates/order-status");
    expect(await page.locator('[data-path="channels.push.title"]').inputValue()).toBe("Changed {{data.order}}");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#version-list li").count()).toBe(2);
    page.on("dialog", (d) => (asked.push(d.message()), d.dismiss()));
    await page.locator("[data-nav=rules]").click();
    await expect.poll(() => page.locator("#rules").count()).toBe(1);
    expect(asked).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
