import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type HeraldProcess, startHerald } from "../support/server.js";
import { badge, launchBrowser, notify, orderRule, screenshot, shownIds, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;
let n = 0;

beforeAll(async () => {
  [herald, browser] = await Promise.all([startHerald(), launchBrowser()]);
  call = api(herald.url);
  await orderRule(call);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
});

/** Opens the inbox of a fresh subscriber after `block` has cut transports off, and records the requests it makes. */
async function inbox(block: (page: Page, requests: string[]) => Promise<void>, hash = "") {
  const id = `fallback-${++n}`;
  const token = await subscriber(call, id, "Eve");
  await notify(call, id, 1, "Waiting before the page opened");
  const page = await browser.newPage();
  const requests: string[] = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  page.on("websocket", (ws) => requests.push(`websocket ${new URL(ws.url()).pathname}`));
  await block(page, requests);
  await page.goto(`${herald.url}/demo/inbox.html#token=${token}&lang=en${hash}`);
  await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
  await expect.poll(() => shownIds(page)).toHaveLength(1);
  await notify(call, id, 2, "Arrived live");
  await expect.poll(() => shownIds(page)).toHaveLength(2);
  await expect.poll(() => badge(page)).toBe(2);
  const transport = await page.locator("#state").getAttribute("data-transport");
  const states = await page.evaluate(() => (window as any).herald.state);
  return { page, transport, states, requests };
}

/** Refuses the WebSocket on the wire (the page sees it close before any frame), noting each attempt. */
const refuseWebSocket = (page: Page, requests: string[]) =>
  page.routeWebSocket(/\/v1\/me\/ws/, (ws) => {
    requests.push(`websocket ${new URL(ws.url()).pathname}`);
    return ws.close({ code: 1011, reason: "blocked by the test" });
  });
const refuseStream = (page: Page) => page.route(/\/v1\/me\/stream/, (route) => route.abort("connectionrefused"));

describe("transport fallback", () => {
  it("uses WebSocket when nothing is blocked", async () => {
    const { page, transport } = await inbox(async () => {});
    expect(transport).toBe("ws");
    await page.close();
  });

  it("falls back to SSE when the WebSocket is refused on the wire", async () => {
    const { page, transport, requests } = await inbox(refuseWebSocket);
    expect(transport).toBe("sse");
    expect(requests).toContain("websocket /v1/me/ws");
    expect(requests).toContain("/v1/me/stream");
    await screenshot(page, "fallback-sse");
    await page.close();
  });

  it("falls back to SSE when the browser has no WebSocket", async () => {
    const { page, transport } = await inbox(async (p) => {
      await p.addInitScript(() => ((window as any).WebSocket = undefined));
    });
    expect(transport).toBe("sse");
    await page.close();
  });

  it("falls back from WebSocket to SSE to polling when both are refused, and polls at the configured period", async () => {
    const { page, transport, requests } = await inbox(async (p, r) => {
      await refuseWebSocket(p, r);
      await refuseStream(p);
    }, "&poll=500");
    expect(transport).toBe("poll");
    const order = ["websocket /v1/me/ws", "/v1/me/stream", "/v1/me/notifications"].map((r) => requests.indexOf(r));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const polls = () => requests.filter((r) => r === "/v1/me/notifications").length;
    const before = polls();
    await page.waitForTimeout(2_000);
    // Every 500 ms: about four in two seconds (timers in a busy browser run late, never early).
    expect(polls() - before).toBeGreaterThanOrEqual(2);
    expect(polls() - before).toBeLessThanOrEqual(5);
    await screenshot(page, "fallback-poll");
    await page.close();
  });

  it("returns from polling to the WebSocket within seconds once it is no longer refused (a restart can refuse it for a moment)", async () => {
    let blocked = true;
    const { page, transport } = await inbox(async (p, r) => {
      await p.routeWebSocket(/\/v1\/me\/ws/, (ws) => {
        r.push("websocket /v1/me/ws");
        if (blocked) return ws.close({ code: 1011, reason: "blocked by the test" });
        ws.connectToServer();
      });
      await p.route(/\/v1\/me\/stream/, (route) => (blocked ? route.abort("connectionrefused") : route.continue()));
    });
    expect(transport).toBe("poll");
    blocked = false;
    const since = Date.now();
    await expect.poll(() => page.locator("#state").getAttribute("data-transport"), { timeout: 20_000 }).toBe("ws");
    // Tries again after 1 s, 2 s, 4 s …: back within seconds, not after the 30 s poll period.
    expect(Date.now() - since).toBeLessThan(12_000);
    await notify(call, `fallback-${n}`, 3, "Live again");
    await expect.poll(() => shownIds(page)).toHaveLength(3);
    await page.close();
  });

  it("polls only, when told to", async () => {
    const { page, transport, requests } = await inbox(async () => {}, "&transports=poll&poll=300");
    expect(transport).toBe("poll");
    expect(requests.some((r) => r.startsWith("websocket") || r === "/v1/me/stream")).toBe(false);
    await page.close();
  });
});
