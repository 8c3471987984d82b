import { createClient } from "@libsql/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type HeraldProcess, startHerald } from "../support/server.js";
import { launchBrowser, pageErrors, screenshot, subscriber } from "./support.js";

const PASSWORD = "correct horse battery staple";
let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD } }), launchBrowser()]);
  call = api(herald.url);
  const ok = (r: { status: number; body: unknown }) => {
    if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  };
  ok(
    await call("PUT", "/v1/templates/order-status", {
      description: "Order status for the shop",
      channels: {
        push: {
          title: "Order #{{data.order}}",
          body: "Courier {{data.courier}} is on the way",
          url: "https://shop.example/orders/{{data.order}}",
          actions: [{ action: "track", title: "Track courier" }, { action: "reorder", title: "Reorder" }],
        },
        realtime: { title: "Order #{{data.order}}", body: "Courier {{data.courier}} is on the way" },
        sms: { text: "Order {{data.order}}: courier {{data.courier}} is on the way" },
        email: { subject: "Order {{data.order}}", mjml: "<mjml><mj-body><mj-section><mj-column><mj-text>Courier {{data.courier}}</mj-text></mj-column></mj-section></mj-body></mjml>" },
      },
      locales: { ru: { channels: { realtime: { title: "Заказ №{{data.order}}", body: "Курьер {{data.courier}} в пути" } } } },
    }),
  );
  ok(await call("PUT", "/v1/templates/promo", { channels: { realtime: { title: "Sale", body: "{{data.discount}}% off, {{subscriber.name}}" } } }));
  ok(await call("PUT", "/v1/rules/order-courier", { event: "order.status_changed", if: { "data.status": "courier" }, steps: [{ channel: "realtime", template: "order-status" }] }));
  ok(await call("PUT", "/v1/rules/order-delivered", { event: "order.status_changed", if: { "data.status": "delivered" }, steps: [{ channel: "realtime", template: "promo" }] }));
  // 200 members of the newsletter topic, a few requests at a time.
  for (let i = 0; i < 200; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const id = `member-${i + k}`;
        ok(await call("PUT", `/v1/subscribers/${id}`, { name: `Member ${i + k}`, email: `m${i + k}@example.com`, locale: (i + k) % 2 ? "ru" : "en", data: { city: (i + k) % 3 ? "Kazan" : "Moscow" } }));
        ok(await call("PUT", `/v1/topics/newsletter/subscribers/${id}`));
      }),
    );
  }
  // A channel that is not configured here: its deliveries fail, for the dashboard's failure list.
  ok(await call("PUT", "/v1/templates/ops", { channels: { mattermost: { text: "Alert: {{data.text}}" } } }));
  ok(await call("PUT", "/v1/rules/ops", { event: "ops.alert", steps: [{ channel: "mattermost", template: "ops" }] }));
  ok(await call("POST", "/v1/events", { id: "ops-1", type: "ops.alert", to: "member-2", data: { text: "disk full" } }));
  // Some history for the dashboard and the subscriber page.
  for (const n of [1, 2, 3]) ok(await call("POST", "/v1/events", { id: `ev-${n}`, type: "order.status_changed", to: "member-1", data: { order: 1000 + n, status: "courier", courier: "Almaz" } }));
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

async function logIn(page: Page, password = PASSWORD) {
  await page.goto(`${herald.url}/admin/`);
  await page.locator("#password").fill(password);
  await page.locator("#login-submit").click();
}

async function loggedInPage(viewport = { width: 1280, height: 860 }, lang = "en") {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Init scripts also run in the sandboxed email preview frame, which has no storage.
  await page.addInitScript((l) => {
    if (window === window.top) localStorage.setItem("herald.admin.lang", l);
  }, lang);
  const errors = pageErrors(page);
  await logIn(page);
  await expect.poll(() => page.locator("#dashboard").count()).toBe(1);
  return { page, context, errors };
}

describe("admin UI", () => {
  it("refuses a wrong password and lets the right one in, then logs out", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.addInitScript(() => localStorage.setItem("herald.admin.lang", "en"));
    const errors = pageErrors(page);
    await logIn(page, "wrong password");
    await expect.poll(() => page.locator("#login-error").textContent()).toBe("Wrong password.");
    expect(await page.locator("#dashboard").count()).toBe(0);
    await screenshot(page, "admin-login-refused");
    await page.locator("#password").fill(PASSWORD);
    await page.locator("#login-submit").click();
    await expect.poll(() => page.locator("#dashboard").count()).toBe(1);
    const cookie = (await context.cookies()).find((c) => c.name === "herald_admin")!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    // A reload keeps the session (the CSRF token comes back from /v1/admin/session).
    await page.reload();
    await expect.poll(() => page.locator("#counters .card").count()).toBe(5);
    await expect.poll(() => page.locator("#charts [data-channel=realtime] canvas").count()).toBe(1);
    await screenshot(page, "admin-dashboard");
    await page.locator("#logout").click();
    await expect.poll(() => page.locator("#login").count()).toBe(1);
    expect((await page.request.get(`${herald.url}/v1/admin/stats/timeseries`)).status()).toBe(401);
    // Pages may log the 401s of the logged-out state; nothing else.
    expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
    await context.close();
  });

  it("lists dead jobs below the failures, with their reason, and sends one again", async () => {
    // A plugin job whose attempts were spent (core/outbox/job-failures.ts), as the outbox leaves it.
    const db = createClient({ url: herald.databaseUrl });
    await db.execute({ sql: "INSERT INTO dead_jobs (id, kind, ref, attempts, last_error, died_at) VALUES ('plugin:dead-ev', 'plugin', 'dead-ev', 32, 'CRM answered 500', ?)", args: [Date.now()] });
    db.close();
    const { page, context, errors } = await loggedInPage();
    const row = page.locator("#dead-job-table tr[data-job='plugin:dead-ev']");
    await expect.poll(() => row.count()).toBe(1);
    expect(await page.locator("#dead-jobs h2").textContent()).toBe("Dead jobs (1)");
    expect(await row.textContent()).toContain("CRM answered 500");
    expect(await row.locator("a.story").getAttribute("href")).toBe("#/events/dead-ev");
    await row.locator("button.retry").click();
    // Sent again (its event is gone, so the plugin has nothing to do): the list empties.
    await expect.poll(() => page.locator("#dead-jobs h2").count()).toBe(0);
    expect((await call("GET", "/v1/admin/dead-jobs")).body).toEqual({ items: [], total: 0 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("updates the preview while a template is edited, shows errors inline, and restores a version", async () => {
    const { page, context, errors } = await loggedInPage();
    await page.locator("[data-nav=templates]").click();
    await expect.poll(() => page.locator("#template-table tr[data-key=order-status]").count()).toBe(1);
    await screenshot(page, "admin-templates");
    await page.locator("#template-table tr[data-key=order-status] a").click();
    await page.locator("#sample-data").fill(JSON.stringify({ order: 1234, courier: "Almaz" }));
    const pushTitle = page.locator("#preview [data-channel=push] .t");
    await expect.poll(() => pushTitle.textContent()).toBe("Order #1234");
    expect(await page.locator("#preview [data-channel=push] .actions span").allTextContents()).toEqual(["Track courier", "Reorder"]);
    expect(await page.locator("#preview [data-channel=sms] .preview-sms").textContent()).toBe("Order 1234: courier Almaz is on the way");
    expect(await page.locator("#preview [data-channel=sms] .preview-details").textContent()).toMatch(/1 segment/);
    // The email goes into a frame that may not run scripts (sandbox without allow-scripts).
    const frame = page.locator("#preview [data-channel=email] iframe");
    expect(await frame.getAttribute("sandbox")).toBe("");
    expect(await frame.getAttribute("srcdoc")).toContain("Courier Almaz");
    // Content is kept in registration order (realtime first): open the push tab.
    await page.locator("#channel-tabs [data-channel=push]").click();
    await page.locator('[data-path="channels.push.title"]').fill("Your order {{data.order}} is coming");
    await expect.poll(() => pushTitle.textContent()).toBe("Your order 1234 is coming");
    await page.locator('[data-path="channels.push.body"]').fill("Courier {{data.courier} broken");
    await expect.poll(() => page.locator('[data-path="channels.push.body"] + .error').count()).toBe(1);
    await screenshot(page, "admin-template-error");
    await page.locator('[data-path="channels.push.body"]').fill("Courier {{data.courier}} arrives in 8 minutes");
    await expect.poll(() => page.locator("#preview [data-channel=push] .b").textContent()).toBe("Courier Almaz arrives in 8 minutes");
    expect(await page.locator(".field-error").count()).toBe(0);
    // The Russian locale previews its own content.
    await page.locator("#locale-tabs [data-locale=ru]").click();
    await expect.poll(() => page.locator("#preview [data-channel=realtime] .t").textContent()).toBe("Заказ №1234");
    await page.locator("#locale-tabs [data-locale=default]").click();
    await expect.poll(() => page.locator("#preview [data-channel=realtime] .t").textContent()).toBe("Order #1234");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#version-list li").count()).toBe(2);
    await screenshot(page, "admin-template-editor");
    expect((await call("GET", "/v1/templates/order-status")).body.channels.push.title).toBe("Your order {{data.order}} is coming");
    await page.locator("#version-list li[data-version='1'] .restore").click();
    await expect.poll(() => page.locator("#version-list li").count()).toBe(3);
    expect((await call("GET", "/v1/templates/order-status")).body.channels.push.title).toBe("Order #{{data.order}}");
    // The browser logs the preview's 422 for the broken body; that answer is the point, not a fault.
    expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
    await context.close();
  });

  it("creates a template from scratch", async () => {
    const { page, context, errors } = await loggedInPage();
    await page.locator("[data-nav=templates]").click();
    await page.locator("#new-template-key").fill("welcome");
    await page.locator("#new-template-key").press("Enter");
    await expect.poll(() => page.locator("#template-editor").count()).toBe(1);
    await page.locator("#add-channel").selectOption("realtime");
    await page.locator('[data-path="channels.realtime.title"]').fill("Welcome, {{subscriber.name}}");
    await page.locator('[data-path="channels.realtime.body"]').fill("Glad you are here");
    await expect.poll(() => page.locator("#preview [data-channel=realtime] .t").textContent()).toBe("Welcome, Alice");
    await page.locator("#save").click();
    await expect.poll(() => page.locator("#version-list li").count()).toBe(1);
    expect((await call("GET", "/v1/templates/welcome")).body).toMatchObject({ version: 1, channels: { realtime: { title: "Welcome, {{subscriber.name}}", body: "Glad you are here" } } });
    expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
    await context.close();
  });

  it("shows the matching rule in a dry run", async () => {
    const { page, context, errors } = await loggedInPage();
    await page.locator("[data-nav=rules]").click();
    await expect.poll(() => page.locator("#rule-table tr[data-id]").count()).toBe(3);
    await page.locator("#rule-table tr[data-id=order-delivered] .toggle").click();
    await expect.poll(() => page.locator("#rule-table tr[data-id=order-delivered] .badge").textContent()).toBe("Disabled");
    expect((await call("GET", "/v1/rules/order-delivered")).body.enabled).toBe(false);
    await page.locator("#dry-run-event").fill(JSON.stringify({ type: "order.status_changed", to: ["member-3", "member-4"], data: { order: 77, status: "courier", courier: "Ivan" } }));
    await page.locator("#dry-run-go").click();
    await expect.poll(() => page.locator("#dry-run-results [data-rule]").count()).toBe(2);
    expect(await page.locator("#dry-run-results [data-rule=order-courier]").getAttribute("data-matched")).toBe("true");
    expect(await page.locator("#dry-run-results [data-rule=order-delivered]").getAttribute("data-matched")).toBe("false");
    // member-3 speaks Russian, member-4 English: each gets their locale.
    expect(await page.locator("#dry-run-results [data-rule=order-courier] .msg[data-subscriber=member-3]").textContent()).toContain("Курьер Ivan в пути");
    expect(await page.locator("#dry-run-results [data-rule=order-courier] .msg[data-subscriber=member-4]").textContent()).toContain("Courier Ivan is on the way");
    await screenshot(page, "admin-rules");
    // A topic's 200 members: counted, the first 20 named, the rest an ellipsis; 10 messages rendered.
    await page.locator("#dry-run-event").fill(JSON.stringify({ type: "order.status_changed", topic: "newsletter", data: { order: 78, status: "courier", courier: "Ivan" } }));
    await page.locator("#dry-run-go").click();
    const recipients = page.locator("#dry-run-results [data-rule=order-courier] .recipients");
    await expect.poll(() => recipients.getAttribute("data-recipients")).toBe("200");
    expect(await recipients.getAttribute("data-sampled")).toBe("true");
    const listed = (await recipients.textContent())!;
    expect(listed).toMatch(/^200 recipient\(s\) · the first 20: member-0, member-1, member-10, /);
    expect(listed.endsWith(", …")).toBe(true);
    expect(listed.split(", ").length).toBe(21);
    expect(await page.locator("#dry-run-results [data-rule=order-courier] .msg").count()).toBe(10);
    // Editing: the API's field errors come back next to the rule.
    await page.locator("#rule-table tr[data-id=order-courier] a").click();
    await expect.poll(() => page.locator("#rule-id").inputValue()).toBe("order-courier");
    await page.locator("#rule-tab-json").click();
    const edited = JSON.parse(await page.locator("#rule-json").inputValue());
    edited.steps[0].template = "no-such-template";
    await page.locator("#rule-json").fill(JSON.stringify(edited, null, 2));
    await page.locator("#rule-save").click();
    await expect.poll(() => page.locator("#rule-errors li").allTextContents()).toEqual(['steps.0.template: no template "no-such-template"']);
    await screenshot(page, "admin-rule-invalid");
    expect((await call("GET", "/v1/rules/order-courier")).body.steps[0].template).toBe("order-status");
    // Nothing was sent.
    const events = await call("GET", "/v1/events/evt_dry_run");
    expect(events.status).toBe(404);
    // The refused save is logged by the browser as a 400; nothing else went wrong.
    expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    await context.close();
  });

  it("sends a broadcast to a topic of 200 with a progress bar, and a member's live inbox receives it", async () => {
    const token = await subscriber(call, "member-7", "Member 7");
    const inbox = await browser.newPage();
    await inbox.goto(`${herald.url}/demo/inbox.html#token=${token}&lang=en`);
    await expect.poll(() => inbox.locator("#state").getAttribute("data-state")).toBe("open");

    const { page, context, errors } = await loggedInPage();
    await page.locator("[data-nav=broadcasts]").click();
    await page.locator("#bc-form input[name=source][value=adhoc]").check();
    await page.locator("#bc-title").fill("Weekend sale");
    await page.locator("#bc-body").fill("20% off everything, {{subscriber.name}}");
    await page.locator("#bc-url").fill("https://shop.example/sale");
    await page.locator("#bc-action-title-0").fill("Shop now");
    await page.locator("#bc-topic").fill("newsletter");
    await screenshot(page, "admin-broadcast-compose");
    await page.locator("#bc-send").click();
    await expect.poll(() => page.locator("#bc-confirm").getAttribute("data-total")).toBe("200");
    // A slow network: the list asked for at send answers only after the broadcast is done (and after
    // the list asked for at done), so its stale "planning / sending" answer lands last.
    let slowListed!: () => void;
    const slowList = new Promise<void>((resolve) => (slowListed = resolve));
    let lists = 0;
    await page.route(/\/v1\/broadcasts\?limit=/, async (route) => {
      if (++lists > 1) return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 4000));
      await route.fulfill({ response });
      slowListed();
    });
    await page.locator("#bc-confirm-send").click();
    await expect.poll(() => page.locator("#bc-bar").count()).toBe(1);
    const statuses = new Set<string>();
    // "Recent broadcasts" agrees with the progress bar at every moment, not only once it is done.
    const disagreements: string[] = [];
    const agree = () =>
      page.evaluate(() => {
        const box = document.querySelector<HTMLElement>("#bc-progress");
        const row = document.querySelector(`#bc-table tr[data-id="${box?.dataset.id}"]`);
        const text = document.querySelector("#bc-progress-text")?.textContent ?? "";
        if (!row || !text) return null;
        const [status, ...parts] = text.split(" · ");
        const n = (label: string) => /(\d+)/.exec(parts.find((p) => p.startsWith(label)) ?? "")?.[1];
        const bar = `${status} ${n("sent")} / ${n("failed")} / ${n("muted")} / ${/\/ (\d+)/.exec(text)?.[1]}`;
        const listed = `${row.querySelector(".badge")?.textContent} ${row.querySelector(".bc-counts")?.textContent}`;
        return bar === listed ? null : `bar "${bar}" ≠ list "${listed}"`;
      });
    await expect
      .poll(async () => {
        const status = await page.locator("#bc-progress").getAttribute("data-status");
        const differs = await agree();
        if (differs) disagreements.push(differs);
        if (status) statuses.add(status);
        if (status === "sending" && !statuses.has("shot")) {
          statuses.add("shot");
          await screenshot(page, "admin-broadcast-progress");
        }
        return status;
      }, { timeout: 60_000, interval: 100 })
      .toBe("done");
    expect(await page.locator("#bc-report").textContent()).toBe("Done: 200 sent, 0 failed, 0 muted or cancelled, of 200.");
    expect(await page.locator("#bc-bar").getAttribute("aria-valuenow")).toBe("200");
    await expect.poll(() => page.locator("#bc-table tbody tr").count()).toBe(1);
    await slowList;
    await page.waitForTimeout(200);
    expect(disagreements).toEqual([]);
    expect(await agree()).toBeNull();
    expect(lists).toBeGreaterThanOrEqual(2);
    await screenshot(page, "admin-broadcasts");
    await expect.poll(() => inbox.locator("#list li .body").allTextContents()).toContain("20% off everything, Member 7");
    await screenshot(inbox, "admin-broadcast-inbox");
    // Reading it shows up on the dashboard as "seen", next to the failed alert.
    await inbox.locator("#list li").first().click();
    await page.locator("[data-nav=dashboard]").click();
    await expect.poll(() => page.locator("#failure-table tr[data-delivery]").count()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.locator("#charts [data-channel=realtime] canvas").count()).toBe(1);
    await screenshot(page, "admin-dashboard-activity");
    expect(errors).toEqual([]);
    await inbox.close();
    await context.close();
  });

  it("finds subscribers and shows one with topics, inbox and delivery history", async () => {
    const { page, context, errors } = await loggedInPage();
    await page.locator("[data-nav=subscribers]").click();
    await page.locator("#subscriber-q").fill("member-1");
    await page.locator("#subscriber-q").press("Enter");
    // member-1, member-10..19, member-100..199
    await expect.poll(() => page.locator("#subscriber-table tbody tr").count()).toBe(50);
    await screenshot(page, "admin-subscribers");
    await page.locator("#subscriber-table tr[data-id=member-1] a").click();
    await expect.poll(() => page.locator("#topics .badge").allTextContents()).toEqual(["newsletter"]);
    await expect.poll(() => page.locator("#history tbody tr").count()).toBeGreaterThanOrEqual(3);
    await screenshot(page, "admin-subscriber");
    await page.goto(`${herald.url}/admin/#/subscribers/member-199`);
    await expect.poll(() => page.locator("#erase").count()).toBe(1);
    page.once("dialog", (dialog) => dialog.accept());
    await page.locator("#erase").click();
    await expect.poll(() => page.locator("#subscribers").count()).toBe(1);
    expect((await call("GET", "/v1/subscribers/member-199")).status).toBe(404);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("speaks Russian and fits a phone-sized screen", async () => {
    const { page, context, errors } = await loggedInPage({ width: 390, height: 800 }, "ru");
    expect(await page.locator("[data-nav=broadcasts]").textContent()).toBe("Рассылки");
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "admin-dashboard-ru-phone");
    await page.locator("[data-nav=templates]").click();
    await page.locator("#template-table tr[data-key=order-status] a").click();
    await expect.poll(() => page.locator("#preview [data-channel=push]").count()).toBe(1);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "admin-template-ru-phone");
    await page.locator("[data-nav=broadcasts]").click();
    await expect.poll(() => page.locator("#bc-form").count()).toBe(1);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "admin-broadcasts-ru-phone");
    expect(errors).toEqual([]);
    await context.close();
  });
});
