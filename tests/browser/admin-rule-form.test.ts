/**
 * The rule editor's form and its JSON view hold one document: a rule made in the form reads back
 * the same in JSON and from the API, an edit in JSON shows in the form, and a field the server
 * refuses gets the server's message beside it, in the reader's language.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { api, HeraldProcess } from "../support/server.js";
import { adminPage, axeViolations, DESKTOP, startShop } from "./admin-fixture.js";
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

async function openRules(page: Page) {
  await page.goto(`${herald.url}/admin/#/rules`);
  await expect.poll(() => page.locator("#rule-form #rf-event").count()).toBe(1);
}

describe("admin rule form", () => {
  it("creates a rule with the form, shows it in JSON, and takes a JSON edit back into the form", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await openRules(page);
    await page.locator("#rule-id").fill("paid-big");
    await page.locator("#rf-event").fill("order.paid");
    await page.locator("#rf-description").fill("Big orders");
    // The example's condition becomes data.total > 100.
    await page.locator(".rf-condition .rf-if-path").fill("data.total");
    await page.locator(".rf-condition .rf-if-op").selectOption("gt");
    await page.locator(".rf-condition .rf-if-value").fill("100");
    await page.locator("#rf-to-kind").selectOption("subscriber");
    await page.locator("#rf-to-value").fill("member-1, member-2");
    await page.locator("#rf-template-0").fill("order-status");
    await page.locator("#rf-add-step").click();
    await page.locator("#rf-channel-1").selectOption("email");
    await page.locator("#rf-template-1").fill("order-status");
    await page.locator("#rf-after-1").fill("1h");
    await page.locator("#rf-unless-1").check();
    await page.locator("#rule-save").click();
    const expected = {
      event: "order.paid",
      description: "Big orders",
      if: { "data.total": { gt: 100 } },
      to: { subscriber: ["member-1", "member-2"] },
      steps: [
        { channel: "realtime", template: "order-status" },
        { channel: "email", template: "order-status", after: "1h", unlessSeen: true },
      ],
    };
    await expect.poll(async () => (await call("GET", "/v1/rules/paid-big")).status).toBe(200);
    expect((await call("GET", "/v1/rules/paid-big")).body).toMatchObject(expected);
    expect(await axeViolations(page)).toEqual([]);

    await page.locator("#rule-tab-json").click();
    const json = JSON.parse(await page.locator("#rule-json").inputValue());
    expect(json).toEqual(expected);
    json.event = "order.refunded";
    json.steps[0].delay = "5m";
    await page.locator("#rule-json").fill(JSON.stringify(json));
    await page.locator("#rule-tab-form").click();
    expect(await page.locator("#rf-event").inputValue()).toBe("order.refunded");
    expect(await page.locator("#rf-delay-0").inputValue()).toBe("5m");
    expect(await page.locator("#rf-unless-1").isChecked()).toBe(true);
    await page.locator("#rule-save").click();
    await expect.poll(async () => (await call("GET", "/v1/rules/paid-big")).body.event).toBe("order.refunded");
    expect((await call("GET", "/v1/rules/paid-big")).body.steps[0]).toEqual({ channel: "realtime", template: "order-status", delay: "5m" });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("makes a rule with a digest step, a throttle and a step `if` that reads back the same from the API", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url);
    await openRules(page);
    await page.locator("#rule-id").fill("digest-capped");
    await page.locator("#rf-event").fill("ticket.commented");
    await page.locator(".rf-condition button").click(); // the example's condition is not wanted here
    await page.locator("#rf-template-0").fill("order-status");
    await page.locator("#rf-digest-window-0").fill("1h");
    await page.locator("#rf-digest-key-0").fill("{{data.ticketId}}");
    await page.locator("#rf-digest-max-0").fill("20");
    await page.locator("#rf-digest-until-0").check();
    await page.locator("#rf-add-step").click();
    await page.locator("#rf-channel-1").selectOption("email");
    await page.locator("#rf-template-1").fill("order-status");
    await page.locator("#rf-after-1").fill("30m");
    const stepIf = { or: [{ "subscriber.data.vip": true }, { not: { "steps.0.status": { in: ["sent", "delivered"] } } }] };
    await page.locator("#rf-stepif-1").fill(JSON.stringify(stepIf));
    await page.locator("#rf-throttle-limit").fill("3");
    await page.locator("#rf-throttle-window").fill("1d");
    await page.locator("#rf-throttle-channel").selectOption("email");
    expect(await axeViolations(page)).toEqual([]);
    await page.locator("#rule-save").click();
    const expected = {
      event: "ticket.commented",
      throttle: { limit: 3, window: "1d", channel: "email" },
      steps: [
        { channel: "realtime", template: "order-status", digest: { window: "1h", key: "{{data.ticketId}}", max: 20, until: "seen" } },
        { channel: "email", template: "order-status", after: "30m", if: stepIf },
      ],
    };
    await expect.poll(async () => (await call("GET", "/v1/rules/digest-capped")).status).toBe(200);
    const saved = (await call("GET", "/v1/rules/digest-capped")).body;
    expect({ event: saved.event, throttle: saved.throttle, steps: saved.steps, if: saved.if }).toEqual({ ...expected, if: undefined });
    // Opened again, the form shows the same rule and saves it unchanged.
    await page.locator("#rule-tab-json").click();
    expect(JSON.parse(await page.locator("#rule-json").inputValue())).toEqual(expected);
    await page.goto(`${herald.url}/admin/#/rules`);
    await page.locator("#rule-table tr[data-id=digest-capped] a").click();
    await expect.poll(() => page.locator("#rf-digest-key-0").inputValue()).toBe("{{data.ticketId}}");
    expect(JSON.parse(await page.locator("#rf-stepif-1").inputValue())).toEqual(stepIf);
    expect(await page.locator("#rf-throttle-channel").inputValue()).toBe("email");
    await page.locator("#rule-tab-json").click();
    expect(JSON.parse(await page.locator("#rule-json").inputValue())).toMatchObject(expected);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows the server's field error beside the field, in Russian", async () => {
    const { page, context, errors } = await adminPage(browser, herald.url, DESKTOP, "ru");
    await openRules(page);
    await page.locator("#rule-table tr[data-id=order-courier] a").click();
    await expect.poll(() => page.locator("#rule-id").inputValue()).toBe("order-courier");
    await page.locator("#rf-template-0").fill("nope");
    await page.locator("#rule-save").click();
    await expect.poll(() => page.locator('.field-error[data-path="steps.0.template"]').textContent()).toBe("нет шаблона «nope»");
    expect(await page.locator("#rf-template-0").getAttribute("aria-invalid")).toBe("true");
    expect((await call("GET", "/v1/rules/order-courier")).body.steps[0].template).toBe("order-status");
    expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    await context.close();
  });
});
