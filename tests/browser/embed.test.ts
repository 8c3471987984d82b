/**
 * <herald-inbox> on a shop's own site: the page on one origin (127.0.0.1:A), Herald on another
 * (localhost:B, HERALD_ALLOWED_ORIGINS=the shop), in Chromium.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, freePort, type HeraldProcess, startHerald, tempDatabaseUrl } from "../support/server.js";
import { axeViolations, inboxView, shopPage, staticSite } from "./embed-support.js";
import { launchBrowser, pageErrors, screenshot, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;
let site: Awaited<ReturnType<typeof staticSite>>;
const pages: Record<string, string> = {};
const databaseUrl = tempDatabaseUrl();
let port: number;
let heraldOrigin: string;

const start = (env: Record<string, string> = {}) => startHerald({ databaseUrl, env: { PORT: String(port), HERALD_ALLOWED_ORIGINS: site.origin, ...env } });

beforeAll(async () => {
  [site, port, browser] = await Promise.all([staticSite(pages), freePort(), launchBrowser()]);
  heraldOrigin = `http://localhost:${port}`;
  herald = await start();
  call = api(herald.url);
  await call("PUT", "/v1/templates/embed", {
    channels: { realtime: { title: "Order {{data.order}}", body: "{{data.text}}", actions: [{ action: "track", title: "Track", url: "https://shop.example/track/{{data.order}}" }] } },
  });
  await call("PUT", "/v1/rules/embed", { event: "embed.order", category: "orders", steps: [{ channel: "realtime", template: "embed" }] });
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await site?.close();
});

async function notify(to: string, order: number, text = `Update ${order}`) {
  const res = await call("POST", "/v1/events", { id: `embed-${to}-${order}`, type: "embed.order", to, data: { order, text } });
  expect(res.status).toBe(202);
}

/** The shop page for a new subscriber, with `count` notifications waiting. */
async function shop(id: string, count: number, attributes = "", locale = "en"): Promise<{ page: Page; token: string; errors: string[]; me: ReturnType<typeof api> }> {
  const token = await subscriber(call, id, "Alice", locale);
  for (let n = 1; n <= count; n++) await notify(id, n);
  if (count > 0) await eventually(async () => (await api(herald.url, token)("GET", "/v1/me/unread-count")).body.notifications === count);
  pages[`/${id}`] = shopPage(heraldOrigin, token, attributes);
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const errors = pageErrors(page);
  await page.goto(`${site.origin}/${id}`);
  return { page, token, errors, me: api(herald.url, token) };
}

const state = (page: Page) => page.evaluate(() => (document.querySelector("herald-inbox") as any).herald.state);

describe("<herald-inbox> on another origin", () => {
  it("shows the badge, pages back as it scrolls, takes live notifications, reads, archives, marks all read and switches a preference", async () => {
    const { page, errors, me } = await shop("shopper", 25);
    expect(new URL(page.url()).origin).not.toBe(heraldOrigin);
    await expect.poll(async () => (await inboxView(page)).badge).toBe(25);
    await page.locator("herald-inbox .bell").click();
    await expect.poll(async () => (await inboxView(page)).ids.length).toBe(20);
    expect((await inboxView(page)).titles.slice(0, 3)).toEqual(["Order 25", "Order 24", "Order 23"]);
    // Seen when shown: what is on screen in the open popover is reported seen.
    await eventually(async () => (await me("GET", "/v1/me/notifications?before=26&limit=1")).body.items[0].seenAt !== null);
    // Infinite scroll: the end of the list comes into view and the next page (by cursor) follows.
    await page.locator("herald-inbox .more").scrollIntoViewIfNeeded();
    await expect.poll(async () => (await inboxView(page)).ids.length).toBe(25);
    expect(new Set((await inboxView(page)).ids).size).toBe(25);
    expect((await inboxView(page)).titles.at(-1)).toBe("Order 1");
    await screenshot(page, "embed-inbox-open");

    await notify("shopper", 26, "Courier Almaz is on the way");
    await expect.poll(async () => (await inboxView(page)).titles[0]).toBe("Order 26");
    await expect.poll(async () => (await inboxView(page)).badge).toBe(26);

    // Read on click.
    await page.locator("herald-inbox .item").first().locator(".open").click();
    await expect.poll(async () => (await inboxView(page)).badge).toBe(25);
    const [newest] = (await me("GET", "/v1/me/notifications?before=1000&limit=1")).body.items;
    expect(newest.readAt).not.toBeNull();

    // A button from the template: the page takes it over (cancelable event), and the click is recorded.
    await page.evaluate(() => document.addEventListener("herald-action", (e: any) => (e.preventDefault(), ((window as any).acted = e.detail.action))));
    await page.locator("herald-inbox .item").nth(1).getByRole("button", { name: "Track" }).click();
    await expect.poll(() => page.evaluate(() => (window as any).acted)).toBe("track");

    // Archive: gone from the list (and the server's unarchived list), still there as archived.
    const archivedId = (await inboxView(page)).ids[2]!;
    await page.locator(`herald-inbox .item[data-id="${archivedId}"] .archive`).click();
    await expect.poll(async () => (await inboxView(page)).ids).not.toContain(archivedId);
    expect((await me("GET", "/v1/me/notifications?archived=true")).body.items.map((i: any) => i.id)).toEqual([archivedId]);

    await page.locator("herald-inbox .tools button").click();
    await expect.poll(async () => (await inboxView(page)).badge).toBe(0);
    expect((await inboxView(page)).unread).toBe(0);

    // Preferences: the rule's category as a switch, saved as flipped.
    await page.locator("herald-inbox [role=tab]", { hasText: "Preferences" }).click();
    const orders = page.locator("herald-inbox input[value=orders]");
    await expect.poll(() => orders.isChecked()).toBe(true);
    await orders.click();
    await eventually(async () => (await call("GET", "/v1/subscribers/shopper/preferences")).body.categories?.orders === false);
    await screenshot(page, "embed-inbox-preferences");
    await orders.click();
    await eventually(async () => (await call("GET", "/v1/subscribers/shopper/preferences")).body.categories === undefined);

    // Escape closes and gives focus back to the bell.
    await page.keyboard.press("Escape");
    expect(await page.locator("herald-inbox .panel").isHidden()).toBe(true);
    expect(await page.evaluate(() => document.querySelector("herald-inbox")!.shadowRoot!.activeElement?.className)).toBe("bell");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("survives server restarts with nothing lost or repeated, reconnecting within a second of the server being back", { timeout: 180_000 }, async () => {
    const { page, errors } = await shop("restart", 3);
    await page.locator("herald-inbox .bell").click();
    await expect.poll(async () => (await inboxView(page)).ids.length).toBe(3);
    await expect.poll(() => state(page)).toBe("open");
    await page.evaluate(() => {
      const w = window as any;
      (document.querySelector("herald-inbox") as any).herald.on("state", (s: { state: string }) => s.state === "open" && (w.openedAt = Date.now()));
      // When each connection attempt starts: the measure is the first attempt after the server is back.
      w.attempts = [];
      w.WebSocket = new Proxy(WebSocket, { construct: (target, args) => (w.attempts.push(Date.now()), new target(...(args as [string]))) });
    });
    const reconnectMs: number[] = [];
    const startMs: number[] = [];
    for (let round = 1; round <= 3; round++) {
      await herald.stop();
      await expect.poll(async () => (await inboxView(page)).status).toContain("Offline");
      await page.evaluate(() => ((window as any).openedAt = undefined));
      herald = await start();
      const up = Date.now();
      call = api(herald.url);
      // Posted before the page is back: it must come with the resume, once.
      await notify("restart", 3 + round, `After restart ${round}`);
      const opened = await eventually(() => page.evaluate(() => (window as any).openedAt as number | undefined), 10_000, 10);
      reconnectMs.push(opened - up);
      // The attempt that connected (it may have started just before the ready line was read).
      startMs.push((await page.evaluate((t) => (window as any).attempts.filter((at: number) => at <= t).at(-1) as number, opened)) - up);
      await expect.poll(async () => (await inboxView(page)).titles[0]).toBe(`Order ${3 + round}`);
    }
    const view = await inboxView(page);
    expect(view.titles).toEqual(["Order 6", "Order 5", "Order 4", "Order 3", "Order 2", "Order 1"]);
    expect(new Set(view.ids).size).toBe(6);
    await expect.poll(async () => (await inboxView(page)).badge).toBe(6);
    // The status line says "Offline" no more; what it may still show is the last arrival's announcement
    // (a live region, cleared after 4 s).
    await expect.poll(async () => (await inboxView(page)).status).toBe("");
    console.log(`after a restart, ms from the server's ready line to the start of the attempt that connected: ${startMs.join(", ")}; to the element's open state: ${reconnectMs.join(", ")}`);
    // The attempt starts within a second (the backoff's cap); connected soon after, with room for a loaded machine.
    for (const ms of startMs) expect(ms).toBeLessThan(1000);
    for (const ms of reconnectMs) expect(ms).toBeLessThan(2000);
    // While Herald is down, the browser logs refused and reset connections: those are the outage itself.
    expect(errors.filter((e) => !/net::ERR_CONNECTION_(REFUSED|RESET)|Failed to fetch|WebSocket/.test(e))).toEqual([]);
    await page.close();
  });

  it("is accessible: axe finds no violations on the bell, the list or the preferences, in English and Russian (by attribute or the subscriber's locale)", async () => {
    for (const [id, attributes] of [["axe-en", ""], ["axe-ru", 'locale="ru"']] as const) {
      const { page } = await shop(id, 3, attributes);
      await expect.poll(async () => (await inboxView(page)).badge).toBe(3);
      expect(await axeViolations(page, "herald-inbox")).toEqual([]);
      // Keyboard only: Tab to the bell, Enter opens it with focus on the tab, arrows switch tabs.
      await page.locator("herald-inbox .bell").focus();
      await page.keyboard.press("Enter");
      await expect.poll(async () => (await inboxView(page)).ids.length).toBe(3);
      expect(await axeViolations(page, "herald-inbox")).toEqual([]);
      await page.keyboard.press("ArrowRight");
      await expect.poll(() => page.locator("herald-inbox input[role=switch]").count()).toBeGreaterThan(0);
      expect(await axeViolations(page, "herald-inbox")).toEqual([]);
      if (id === "axe-ru") {
        expect(await page.locator("herald-inbox [role=tab]").allTextContents()).toEqual(["Уведомления", "Настройки"]);
        expect(await page.locator("herald-inbox .bell").getAttribute("aria-label")).toBe("Уведомления, непрочитанных: 3");
        await screenshot(page, "embed-inbox-ru");
      }
      await page.close();
    }
    // No attribute: the subscriber's own locale, over the page's English.
    const { page } = await shop("profile-ru", 1, "", "ru");
    await expect.poll(() => page.locator("herald-inbox .bell").getAttribute("aria-label")).toBe("Уведомления, непрочитанных: 1");
    await page.close();
  });

  it("tells the page when Herald refuses its token and goes on with the one the page sets; says so when there is nothing yet; takes the page's theme", async () => {
    const token = await subscriber(call, "renewal", "Alice");
    // A token Herald does not accept (expired, or signed with a rotated key): the page renews it on the event.
    pages["/renewal"] = shopPage(heraldOrigin, `${token.slice(0, -4)}AAAA`).replace(
      "</body>",
      `<script>document.addEventListener("herald-token-expired", (e) => { window.expired = (window.expired ?? 0) + 1; e.target.token = ${JSON.stringify(token)}; });</script></body>`,
    );
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${site.origin}/renewal`);
    await expect.poll(() => state(page)).toBe("open");
    expect(await page.evaluate(() => (window as any).expired)).toBeGreaterThanOrEqual(1);
    await page.locator("herald-inbox .bell").click();
    await expect.poll(async () => (await inboxView(page)).empty).toBe(true);
    expect(await page.locator("herald-inbox .empty").textContent()).toBe("No notifications yet.");
    expect(await axeViolations(page, "herald-inbox")).toEqual([]);
    await notify("renewal", 1, "Your first order");
    await expect.poll(async () => (await inboxView(page)).titles).toEqual(["Order 1"]);
    expect((await inboxView(page)).empty).toBe(false);
    expect(errors.filter((e) => !/401|Unauthorized|WebSocket/.test(e))).toEqual([]);
    await page.close();

    // No token attribute at all: the element asks the page's getToken whenever it needs one.
    pages["/get-token"] = shopPage(heraldOrigin, "")
      .replace(' token=""', "")
      .replace("</body>", `<script>document.querySelector("herald-inbox").getToken = async () => (window.asked = (window.asked ?? 0) + 1, ${JSON.stringify(token)});</script></body>`);
    const second = await browser.newPage();
    await second.goto(`${site.origin}/get-token`);
    await expect.poll(async () => (await inboxView(second)).badge).toBe(1);
    expect(await second.evaluate(() => (window as any).asked)).toBeGreaterThanOrEqual(1);
    // Themed from the page's own stylesheet, through the shadow root.
    await second.addStyleTag({ content: "herald-inbox { --herald-badge-bg: rgb(1, 2, 3); }" });
    expect(await second.evaluate(() => getComputedStyle(document.querySelector("herald-inbox")!.shadowRoot!.querySelector(".badge")!).backgroundColor)).toBe("rgb(1, 2, 3)");
    await second.close();
  });

  it("shows what a notification says as text, never as markup, and opens only web links", async () => {
    await call("PUT", "/v1/templates/embed-raw", {
      channels: { realtime: { title: "{{data.title}}", body: "{{data.text}}", url: "{{data.link}}", actions: [{ action: "go", title: "Go", url: "{{data.link}}" }] } },
    });
    await call("PUT", "/v1/rules/embed-raw", { event: "embed.raw", steps: [{ channel: "realtime", template: "embed-raw" }] });
    const { page, errors } = await shop("hostile", 0);
    const title = `<img src=x onerror="window.pwned=1">Sale`;
    const res = await call("POST", "/v1/events", {
      id: "embed-hostile-1",
      type: "embed.raw",
      to: "hostile",
      data: { title, text: `<script>window.pwned=2</script>`, link: "javascript:window.pwned=3" },
    });
    expect(res.status).toBe(202);
    await page.locator("herald-inbox .bell").click();
    await expect.poll(async () => (await inboxView(page)).titles).toEqual([title]);
    // Herald passes the link on as the template made it; the element is what refuses to open it.
    const [item] = (await api(herald.url, (await call("POST", "/v1/subscribers/hostile/tokens", {})).body.token)("GET", "/v1/me/notifications")).body.items;
    expect([item.url, item.actions[0].url]).toEqual(["javascript:window.pwned=3", "javascript:window.pwned=3"]);
    await page.locator("herald-inbox .item .open").click();
    await page.locator("herald-inbox .item").getByRole("button", { name: "Go" }).click();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
    expect(await page.evaluate(() => document.querySelector("herald-inbox")!.shadowRoot!.querySelectorAll("img, script").length)).toBe(0);
    expect(new URL(page.url()).origin).toBe(site.origin);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("is refused on a site Herald does not list: the SDK does not load and the API answers no CORS", async () => {
    const other = await staticSite({ "/": shopPage(heraldOrigin, "x") });
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${other.origin}/`);
    await expect.poll(() => errors.some((e) => /CORS|blocked|Failed to load/i.test(e))).toBe(true);
    expect(await page.evaluate(() => customElements.get("herald-inbox") === undefined)).toBe(true);
    const fetched = await page.evaluate((url) => fetch(`${url}/v1/me/unread-count`, { headers: { authorization: "Bearer x" } }).then(() => "read", () => "blocked"), heraldOrigin);
    expect(fetched).toBe("blocked");
    await page.close();
    await other.close();
  });
});
