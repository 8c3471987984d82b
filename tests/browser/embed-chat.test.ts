/**
 * <herald-chat> on a shop's own site (127.0.0.1:A) with Herald on localhost:B: messages both ways
 * with receipts, and a message written during an outage that survives a reload of the page (the
 * shop's server stays up) and is delivered once when Herald is back.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, freePort, type HeraldProcess, startHerald, tempDatabaseUrl } from "../support/server.js";
import { openWs } from "../support/stream-clients.js";
import { axeViolations, staticSite } from "./embed-support.js";
import { launchBrowser, pageErrors, screenshot, subscriber } from "./support.js";

let herald: HeraldProcess;
let browser: Browser;
let call: ReturnType<typeof api>;
let site: Awaited<ReturnType<typeof staticSite>>;
const pages: Record<string, string> = {};
const databaseUrl = tempDatabaseUrl();
let port: number;
let heraldOrigin: string;

const start = () => startHerald({ databaseUrl, env: { PORT: String(port), HERALD_ALLOWED_ORIGINS: site.origin } });

beforeAll(async () => {
  [site, port, browser] = await Promise.all([staticSite(pages), freePort(), launchBrowser()]);
  heraldOrigin = `http://localhost:${port}`;
  herald = await start();
  call = api(herald.url);
});
afterAll(async () => {
  await browser?.close();
  await herald?.stop();
  await site?.close();
});

const chatPage = (token: string, room: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Help</title><link rel="icon" href="data:,"></head>
<body><main><h1>Help with your order</h1><herald-chat url="${heraldOrigin}" token="${token}" room="${room}"></herald-chat></main>
<script type="module" src="${heraldOrigin}/sdk/herald-chat.js"></script></body></html>`;

const shown = (page: Page) =>
  page.evaluate(() => [...document.querySelector("herald-chat")!.shadowRoot!.querySelectorAll(".msg")].map((li) => `${li.querySelector(".body")?.textContent ?? li.textContent}${(li as HTMLElement).dataset.status ? ` ${(li as HTMLElement).dataset.status}` : ""}`));

describe("<herald-chat> on another origin", () => {
  it("talks both ways with stored receipts, and keeps a message written during an outage across a reload until it is delivered, once", async () => {
    const room = "ticket:chat-1";
    const customer = await subscriber(call, "kate-chat", "Kate");
    const operatorToken = await subscriber(call, "artyom-chat", "Artyom");
    for (const id of ["kate-chat", "artyom-chat"]) await call("PUT", `/v1/topics/${room}/subscribers/${id}`);
    await call("PUT", `/v1/topics/${room}`, { allowMemberMessages: true });
    const operator = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${operatorToken}`);
    pages["/help"] = chatPage(customer, room);

    const page = await browser.newPage({ viewport: { width: 600, height: 700 } });
    const errors = pageErrors(page);
    await page.goto(`${site.origin}/help`);
    await expect.poll(() => page.evaluate(() => (document.querySelector("herald-chat") as any).herald?.state)).toBe("open");
    expect(await axeViolations(page, "herald-chat")).toEqual([]);

    expect((await call("POST", `/v1/topics/${room}/messages`, { body: "Hi Kate, how can I help?", senderId: "artyom-chat" })).status).toBe(201);
    await expect.poll(() => shown(page)).toEqual(["Hi Kate, how can I help?"]);
    // Shown on a visible page: read, and the operator's history says so.
    await eventually(async () => (await api(herald.url, operatorToken)("GET", `/v1/me/topics/${room}/messages`)).body.items[0].status === "read");

    await page.locator("herald-chat input").fill("Where is my order?");
    await page.locator("herald-chat input").press("Enter");
    await expect.poll(() => shown(page)).toEqual(["Hi Kate, how can I help?", "Where is my order? delivered"]);
    const [, mine] = (await api(herald.url, operatorToken)("GET", `/v1/me/topics/${room}/messages`)).body.items;
    await api(herald.url, operatorToken)("POST", `/v1/me/notifications/${mine.id}/read`);
    await expect.poll(() => shown(page)).toEqual(["Hi Kate, how can I help?", "Where is my order? read"]);
    operator.close();

    await herald.stop();
    await page.locator("herald-chat input").fill("Hello? Anyone?");
    await page.locator("herald-chat input").press("Enter");
    await expect.poll(() => shown(page)).toEqual(["Hi Kate, how can I help?", "Where is my order? read", "Hello? Anyone? pending"]);
    expect(await axeViolations(page, "herald-chat")).toEqual([]);
    await screenshot(page, "embed-chat-pending");
    // The shop's page reloads while Herald is still down: the message is still there, waiting.
    await page.reload();
    await expect.poll(() => shown(page)).toEqual(["Hello? Anyone? pending"]);

    herald = await start();
    call = api(herald.url);
    await expect.poll(() => shown(page)).toEqual(["Hi Kate, how can I help?", "Where is my order? read", "Hello? Anyone? sent"]);
    await expect.poll(() => page.evaluate(() => document.querySelector("herald-chat")!.shadowRoot!.querySelector(".status")!.textContent)).toBe("");
    const history = (await api(herald.url, operatorToken)("GET", `/v1/me/topics/${room}/messages`)).body.items.map((m: any) => m.body);
    expect(history).toEqual(["Hi Kate, how can I help?", "Where is my order?", "Hello? Anyone?"]);
    await screenshot(page, "embed-chat-after");
    expect(errors.filter((e) => !/net::ERR_CONNECTION_(REFUSED|RESET)|Failed to fetch|WebSocket/.test(e))).toEqual([]);
    await page.close();
  });
});
