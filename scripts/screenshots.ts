/**
 * Screenshots of every admin view in English and Russian, for the README (docs/screenshots/).
 *
 *   npx tsx scripts/screenshots.ts
 *
 * Starts Herald on a fresh database with a small shop (templates, rules, 40 subscribers, a few
 * events, one of them through an SMS outage so the timeline has attempts), logs in with Chromium
 * (/usr/bin/chromium, or CHROMIUM_PATH) at 1280×800 and writes one PNG per view and language.
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { startSmsGatewayPeer } from "../src/channels/sms/gateway.peer.js";
import { api, eventually, startHerald } from "../tests/support/server.js";

const OUT = join(import.meta.dirname, "..", "docs", "screenshots");
const PASSWORD = "correct horse battery staple";
const VIEWS: [name: string, hash: string, ready: string][] = [
  ["dashboard", "#/dashboard", "#dashboard"],
  ["events", "#/events", "#event-table"],
  ["event-story", "#/events/outage-1", "#event-story tr.attempt-log"],
  ["rules", "#/rules", "#rule-form"],
  ["templates", "#/templates", "#templates"],
  ["template-editor", "#/templates/order-status", "#preview"],
  ["subscribers", "#/subscribers", "#subscribers"],
  ["subscriber", "#/subscribers/member-1", "#history"],
  ["broadcasts", "#/broadcasts", "#broadcasts"],
];

async function must(r: Promise<{ status: number; body: unknown }>) {
  const { status, body } = await r;
  if (status >= 300) throw new Error(`seed call failed: ${status} ${JSON.stringify(body)}`);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const gateway = await startSmsGatewayPeer();
  const herald = await startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD, HERALD_RETRY_TIME_SCALE: "0.01", ...gateway.env() } });
  const call = api(herald.url);
  try {
    await must(call("PUT", "/v1/templates/order-status", {
      description: "Order status for the shop",
      channels: {
        realtime: { title: "Order #{{data.order}}", body: "Courier {{data.courier}} is on the way" },
        sms: { text: "Order {{data.order}}: courier {{data.courier}} is on the way" },
        email: { subject: "Order {{data.order}}", mjml: "<mjml><mj-body><mj-section><mj-column><mj-text>Courier {{data.courier}} is on the way</mj-text></mj-column></mj-section></mj-body></mjml>" },
      },
      locales: { ru: { channels: { realtime: { title: "Заказ №{{data.order}}", body: "Курьер {{data.courier}} в пути" } } } },
    }));
    await must(call("PUT", "/v1/rules/order-courier", { event: "order.status_changed", description: "Tell the customer the courier left", if: { "data.status": "courier" }, steps: [{ channel: "realtime", template: "order-status" }, { channel: "sms", template: "order-status", after: "10m", unlessSeen: true }] }));
    await must(call("PUT", "/v1/rules/sms-alert", { event: "sms.alert", steps: [{ channel: "sms", template: "order-status" }] }));
    for (let i = 0; i < 40; i++) {
      await must(call("PUT", `/v1/subscribers/member-${i}`, { name: `Member ${i}`, email: `m${i}@example.com`, phone: `+1555010${String(i).padStart(2, "0")}`, locale: i % 2 ? "ru" : "en" }));
      await must(call("PUT", `/v1/topics/newsletter/subscribers/member-${i}`));
    }
    // An SMS outage: the gateway answers 500 twice, then takes the message.
    gateway.script.push({ status: 500 }, { status: 500 });
    await must(call("POST", "/v1/events", { id: "outage-1", type: "sms.alert", to: "member-1", data: { order: 1001, courier: "Ivan" } }));
    for (const n of [2, 3, 4]) await must(call("POST", "/v1/events", { id: `ev-${n}`, type: "order.status_changed", to: `member-${n}`, data: { order: 1000 + n, status: "courier", courier: "Almaz" } }));
    await must(call("POST", "/v1/broadcasts", { content: { title: "Sale", body: "20% off this weekend" }, audience: { topic: "newsletter" }, channels: ["realtime"] }));
    await eventually(async () => ((await call("GET", "/v1/events/outage-1")).body.notifications?.[0]?.deliveries?.[0]?.status === "sent" ? true : undefined), 30_000);

    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
    for (const lang of ["en", "ru"]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page: Page = await context.newPage();
      await page.addInitScript((l) => {
        if (window === window.top) localStorage.setItem("herald.admin.lang", l);
      }, lang);
      await page.goto(`${herald.url}/admin/`);
      await page.locator("#password").fill(PASSWORD);
      await page.locator("#login-submit").click();
      await page.locator("#dashboard").waitFor();
      for (const [name, hash, ready] of VIEWS) {
        await page.goto(`${herald.url}/admin/${hash}`);
        await page.locator(ready).first().waitFor({ timeout: 15_000 });
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(OUT, `${name}-${lang}.png`) });
      }
      await context.close();
    }
    await browser.close();
  } finally {
    await herald.stop();
    await gateway.close();
  }
  const files = readdirSync(OUT).filter((f) => f.endsWith(".png"));
  const bytes = files.reduce((sum, f) => sum + statSync(join(OUT, f)).size, 0);
  console.log(`${files.length} screenshots in docs/screenshots/, ${Math.round(bytes / 1024)} KiB`);
}

await main();
