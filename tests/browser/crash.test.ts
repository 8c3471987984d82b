import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api, eventually, type HeraldProcess, startHerald } from "../support/server.js";
import { badge, freePort, launchBrowser, notify, orderRule, pageErrors, screenshot, shownIds, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let port: number;

beforeAll(async () => {
  port = await freePort();
  // A fixed port, so the restarted server is where the pages reconnect to.
  [herald, browser] = await Promise.all([startHerald({ env: { PORT: String(port) } }), launchBrowser()]);
  await orderRule(api(herald.url));
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

const states = (page: Page) => page.evaluate(() => (window as any).states as string[]);

it("ends with every notification exactly once after the server is killed (-9) and restarted mid-session, on each transport", async () => {
  const call = () => api(herald.url);
  const token = await subscriber(call(), "crash", "Dana");
  const pages: Array<{ page: Page; transport: string; errors: string[] }> = [];
  for (const [transport, hash] of [["ws", ""], ["sse", "&transports=sse"], ["poll", "&transports=poll&poll=400"]] as const) {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${herald.url}/demo/inbox.html#token=${token}&lang=en${hash}`);
    await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
    expect(await page.locator("#state").getAttribute("data-transport")).toBe(transport);
    await page.evaluate(() => {
      const w = window as any;
      w.states = [];
      w.herald.on("state", (s: { state: string; transport: string | null }) => w.states.push(s.state));
    });
    pages.push({ page, transport, errors });
  }

  for (const n of [1, 2, 3]) await notify(call(), "crash", n, `Before the crash ${n}`);
  for (const { page } of pages) await expect.poll(() => shownIds(page)).toHaveLength(3);

  // One more accepted right before the kill: it is durable, so it must arrive, once, after the restart.
  await notify(call(), "crash", 4, "Accepted just before the crash");
  await herald.crash();
  for (const { page } of pages) await expect.poll(() => states(page)).toContain("reconnecting");

  herald = await startHerald({ databaseUrl: herald.databaseUrl, env: { PORT: String(port) } });
  for (const n of [5, 6]) await notify(call(), "crash", n, `After the restart ${n}`);

  const me = api(herald.url, token);
  // The server's own list, newest first as the page shows it.
  const expected = await eventually(async () => {
    const { items } = (await me("GET", "/v1/me/notifications?limit=200")).body as { items: Array<{ id: string }> };
    return items.length === 6 && items.map((i) => i.id).reverse();
  }, 20_000);

  for (const { page, transport, errors } of pages) {
    await expect.poll(() => shownIds(page), { timeout: 40_000 }).toEqual(expected);
    await expect.poll(() => badge(page)).toBe(6);
    expect(await page.locator("#state").getAttribute("data-transport")).toBe(transport);
    expect(await page.locator("#list li .body").allTextContents()).toEqual([
      "After the restart 6",
      "After the restart 5",
      "Accepted just before the crash",
      "Before the crash 3",
      "Before the crash 2",
      "Before the crash 1",
    ]);
    // Notifications the SDK emitted: each once, though the stream was replayed from the cursor.
    const emitted = await page.evaluate(() => (window as any).herald.notifications.map((n: { id: string }) => n.id));
    expect(emitted).toHaveLength(6);
    expect(new Set(emitted).size).toBe(6);
    expect((await states(page)).at(-1)).toBe("open");
    await screenshot(page, `crash-restart-${transport}`);
    // The only errors: requests refused while the server was down.
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection|Failed to load resource/.test(e))).toEqual([]);
  }
});
