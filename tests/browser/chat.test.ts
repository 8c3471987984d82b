import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type HeraldProcess, startHerald, TEST_API_KEY } from "../support/server.js";
import { launchBrowser, pageErrors, screenshot, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;
let ticket = 100;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startHerald(), launchBrowser()]);
  call = api(herald.url);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

/** A ticket room with a customer and the operator in it, and a chat pane open for each. */
async function openTicket() {
  const n = ++ticket;
  const topic = `ticket:${n}`;
  const customer = { id: `customer-${n}`, name: "Kate" };
  const operator = { id: `operator-${n}`, name: "Artyom" };
  const panes: Record<"customer" | "operator", Page> = {} as never;
  const errors: string[][] = [];
  for (const [who, role] of [[customer, "customer"], [operator, "operator"]] as const) {
    const token = await subscriber(call, who.id, who.name);
    expect((await call("PUT", `/v1/topics/${topic}/subscribers/${who.id}`)).status).toBe(204);
    const page = await browser.newPage({ viewport: { width: 420, height: 640 } });
    errors.push(pageErrors(page));
    panes[role] = page;
    (page as any).token = token;
  }
  expect((await call("PUT", `/v1/topics/${topic}`, { name: `Ticket #${n}`, allowMemberMessages: true })).status).toBe(200);
  for (const role of ["customer", "operator"] as const) {
    const page = panes[role];
    await page.goto(`${herald.url}/demo/chat-pane.html#token=${(page as any).token}&topic=${topic}&role=${role}&lang=en`);
    await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
  }
  return { n, topic, people: { customer, operator }, ...panes, errors };
}

const texts = (page: Page, cls: string) => page.locator(`#log li.${cls}`).evaluateAll((lis) => lis.map((li) => li.childNodes[li.classList.contains("other") ? 1 : 0]!.textContent));
const status = (page: Page, text: string) => page.locator("#log li.own", { hasText: text }).getAttribute("data-status");

async function say(page: Page, text: string) {
  await page.locator("#text").pressSequentially(text, { delay: 15 });
  await page.locator("#text").press("Enter");
}

describe("support chat", () => {
  it("exchanges messages with typing, delivery and read ticks, and shows system messages on both sides", async () => {
    const { n, people, errors, ...t } = await openTicket();
    const { operator } = people;

    await t.customer.locator("#text").pressSequentially("Hello, where is my ord", { delay: 20 });
    await expect.poll(() => t.operator.locator("#typing").textContent()).toBe("Kate is typing…");
    await screenshot(t.operator, "chat-operator-sees-typing");
    await t.customer.locator("#text").pressSequentially("er?", { delay: 20 });
    await t.customer.locator("#text").press("Enter");
    await expect.poll(() => texts(t.operator, "other")).toEqual(["Hello, where is my order?"]);
    // The operator's pane showed it, so marked it read: the customer sees the read tick.
    await expect.poll(() => status(t.customer, "Hello, where is my order?")).toBe("read");
    await expect.poll(() => t.operator.locator("#typing").textContent()).toBe("");

    expect((await call("POST", "/v1/events", { type: "ticket.operator_joined", data: { ticket: n, operator: { id: operator.id, name: operator.name } } })).status).toBe(202);
    for (const page of [t.customer, t.operator]) await expect.poll(() => texts(page, "system")).toEqual(["Operator Artyom joined"]);

    await t.operator.locator("#text").pressSequentially("Hi Kate! Courier Almaz", { delay: 20 });
    await expect.poll(() => t.customer.locator("#typing").textContent()).toBe("Artyom is typing…");
    await t.operator.locator("#text").pressSequentially(" arrives in 8 minutes.", { delay: 5 });
    await t.operator.locator("#text").press("Enter");
    await expect.poll(() => texts(t.customer, "other")).toEqual(["Hi Kate! Courier Almaz arrives in 8 minutes."]);
    await expect.poll(() => status(t.operator, "Hi Kate!")).toBe("read");
    await say(t.customer, "Thank you!");
    // Wait for the server to have it: the events below must come after it in the room's order.
    await expect.poll(() => status(t.customer, "Thank you!")).not.toBe("sending");

    for (const type of ["ticket.closed", "ticket.reopened"]) expect((await call("POST", "/v1/events", { type, data: { ticket: n } })).status).toBe(202);
    for (const page of [t.customer, t.operator]) {
      await expect.poll(() => texts(page, "system")).toEqual(["Operator Artyom joined", "Ticket closed. Thank you!", "Ticket reopened"]);
    }
    // Each message once, in the same order on both sides.
    const log = (page: Page) => page.locator("#log li").evaluateAll((lis) => lis.map((li) => li.textContent!.replace(/\d\d:\d\d.*$/, "").replace(/^(Kate|Artyom)/, "")));
    await expect.poll(() => log(t.customer)).toEqual(["Hello, where is my order?", "Operator Artyom joined", "Hi Kate! Courier Almaz arrives in 8 minutes.", "Thank you!", "Ticket closed. Thank you!", "Ticket reopened"]);
    expect(await log(t.operator)).toEqual(await log(t.customer));
    await screenshot(t.customer, "chat-customer");
    await screenshot(t.operator, "chat-operator");
    expect(errors.flat()).toEqual([]);
    await t.customer.close();
    await t.operator.close();
  });

  it("shows a sent message at once as sending, then the server's copy in its place, never twice", async () => {
    const { errors, ...t } = await openTicket();
    await t.customer.evaluate(() => {
      const w = window as any;
      w.seen = [];
      w.herald.on("message", (m: { key: string; status?: string }) => w.seen.push(`${m.key} ${m.status}`));
    });
    // Hold the request (the message shows as sending), then hold the 201 (the stream brings the stored copy first).
    const gate = () => {
      let open!: () => void;
      return Object.assign(new Promise<void>((r) => (open = r)), { open: () => open() });
    };
    const [request, response] = [gate(), gate()];
    await t.customer.route(/\/v1\/me\/topics\/[^/]+\/messages$/, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      await request;
      const answer = await route.fetch();
      await response;
      await route.fulfill({ response: answer });
    });
    await say(t.customer, "Is anyone there?");
    await expect.poll(() => status(t.customer, "Is anyone there?")).toBe("sending");
    await screenshot(t.customer, "chat-sending");
    request.open();
    await expect.poll(() => texts(t.operator, "other")).toEqual(["Is anyone there?"]);
    await expect.poll(() => status(t.customer, "Is anyone there?")).not.toBe("sending");
    expect(await t.customer.locator("#log li").count()).toBe(1);
    response.open();
    await expect.poll(() => status(t.customer, "Is anyone there?")).toBe("read");
    await t.customer.waitForTimeout(300);
    expect(await t.customer.locator("#log li").count()).toBe(1);
    const seen: string[] = await t.customer.evaluate(() => (window as any).seen);
    expect(new Set(seen.map((s) => s.split(" ")[0])).size).toBe(1);
    expect(seen[0]).toMatch(/ sending$/);
    expect(seen.at(-1)).toMatch(/ read$/);
    expect(errors.flat()).toEqual([]);
    await t.customer.close();
    await t.operator.close();
  });

  it("re-joins its room after reconnecting and shows what it missed, once", async () => {
    const { errors, ...t } = await openTicket();
    await say(t.customer, "First");
    await expect.poll(() => texts(t.operator, "other")).toEqual(["First"]);
    await t.operator.evaluate(() => (window as any).herald.close());
    await say(t.customer, "Second");
    await say(t.customer, "Third");
    // Stored, but no connection of the operator's has it yet.
    await expect.poll(() => status(t.customer, "Third")).toBe("sent");
    await t.operator.evaluate(() => (window as any).herald.connect());
    await expect.poll(() => texts(t.operator, "other")).toEqual(["First", "Second", "Third"]);
    await expect.poll(() => status(t.customer, "Third")).toBe("read");
    await t.operator.waitForTimeout(300);
    expect(await texts(t.operator, "other")).toEqual(["First", "Second", "Third"]);
    expect(errors.flat()).toEqual([]);
    await t.customer.close();
    await t.operator.close();
  });
});

describe("support chat demo", () => {
  for (const [name, viewport, lang] of [["desktop", { width: 1100, height: 760 }, "en"], ["phone-ru", { width: 390, height: 1100 }, "ru"]] as const) {
    it(`sets up a ticket from the API key and shows both panes (${name})`, async () => {
      const page = await browser.newPage({ viewport });
      const errors = pageErrors(page);
      await page.goto(`${herald.url}/demo/chat.html#lang=${lang}`);
      await page.locator("#key").fill(TEST_API_KEY);
      await page.locator("#start").click();
      const customer = page.frameLocator("iframe[name=customer]");
      const operator = page.frameLocator("iframe[name=operator]");
      for (const pane of [customer, operator]) await expect.poll(() => pane.locator("#state").getAttribute("data-state")).toBe("open");
      await page.locator("[data-event='ticket.operator_joined']").click();
      const joined = lang === "ru" ? "Оператор Артём подключился к чату" : "Operator Artyom joined";
      for (const pane of [customer, operator]) await expect.poll(() => pane.locator("#log li.system").first().textContent()).toBe(joined);
      await customer.locator("#text").fill(lang === "ru" ? "Здравствуйте! Где мой заказ?" : "Hello! Where is my order?");
      await customer.locator("#text").press("Enter");
      await expect.poll(() => operator.locator("#log li.other").count()).toBe(1);
      await expect.poll(() => customer.locator("#log li.own").getAttribute("data-status")).toBe("read");
      await operator.locator("#text").fill(lang === "ru" ? "Курьер Алмаз будет через 8 минут." : "Courier Almaz arrives in 8 minutes.");
      await operator.locator("#text").press("Enter");
      await expect.poll(() => customer.locator("#log li.other").count()).toBe(1);
      await page.locator("[data-event='ticket.closed']").click();
      for (const pane of [customer, operator]) await expect.poll(() => pane.locator("#log li.system").count()).toBe(2);
      await screenshot(page, `demo-chat-${name}`);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
