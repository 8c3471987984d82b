/**
 * A shop's admin for the browser tests: a Herald with an admin password, a few templates and rules,
 * 200 newsletter members (half Russian-speaking), a channel that is not configured (its deliveries
 * fail on setup), and a logged-in page in the language and size asked for.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { api, type HeraldProcess, startHerald } from "../support/server.js";
import { pageErrors } from "./support.js";

export const PASSWORD = "correct horse battery staple";
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

type Call = ReturnType<typeof api>;

export async function ok(r: Promise<{ status: number; body: unknown }> | { status: number; body: unknown }) {
  const res = await r;
  if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Starts Herald with the admin password set and the shop's content in it. */
export async function startShop(env: Record<string, string> = {}): Promise<{ herald: HeraldProcess; call: Call }> {
  const herald = await startHerald({ env: { HERALD_ADMIN_PASSWORD: PASSWORD, ...env } });
  const call = api(herald.url);
  await ok(
    call("PUT", "/v1/templates/order-status", {
      description: "Order status for the shop",
      channels: {
        push: { title: "Order #{{data.order}}", body: "Courier {{data.courier}} is on the way", url: "https://shop.example/orders/{{data.order}}" },
        realtime: { title: "Order #{{data.order}}", body: "Courier {{data.courier}} is on the way" },
        sms: { text: "Order {{data.order}}: courier {{data.courier}} is on the way" },
        email: { subject: "Order {{data.order}}", mjml: "<mjml><mj-body><mj-section><mj-column><mj-text>Courier {{data.courier}}</mj-text></mj-column></mj-section></mj-body></mjml>" },
      },
      locales: { ru: { channels: { realtime: { title: "Заказ №{{data.order}}", body: "Курьер {{data.courier}} в пути" } } } },
    }),
  );
  await ok(call("PUT", "/v1/rules/order-courier", { event: "order.status_changed", if: { "data.status": "courier" }, steps: [{ channel: "realtime", template: "order-status" }] }));
  for (let i = 0; i < 200; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const id = `member-${i + k}`;
        await ok(call("PUT", `/v1/subscribers/${id}`, { name: `Member ${i + k}`, email: `m${i + k}@example.com`, locale: (i + k) % 2 ? "ru" : "en" }));
        await ok(call("PUT", `/v1/topics/newsletter/subscribers/${id}`));
      }),
    );
  }
  // Mattermost is not configured here: its deliveries fail on setup, not at a provider.
  await ok(call("PUT", "/v1/templates/ops", { channels: { mattermost: { text: "Alert: {{data.text}}" } } }));
  await ok(call("PUT", "/v1/rules/ops", { event: "ops.alert", steps: [{ channel: "mattermost", template: "ops" }] }));
  await ok(call("POST", "/v1/events", { id: "ops-1", type: "ops.alert", to: "member-2", data: { text: "disk full" } }));
  for (const n of [1, 2, 3]) await ok(call("POST", "/v1/events", { id: `ev-${n}`, type: "order.status_changed", to: "member-1", data: { order: 1000 + n, status: "courier", courier: "Almaz" } }));
  return { herald, call };
}

/** A new context logged in to the admin, in `lang`, at `viewport`. */
export async function adminPage(browser: Browser, url: string, viewport = DESKTOP, lang = "en"): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Init scripts also run in the sandboxed email preview frame, which has no storage.
  await page.addInitScript((l) => {
    if (window === window.top) localStorage.setItem("herald.admin.lang", l);
  }, lang);
  const errors = pageErrors(page);
  await page.goto(`${url}/admin/`);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("#login-submit").click();
  await expect.poll(() => page.locator("#dashboard").count()).toBe(1);
  return { page, context, errors };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/** axe-core's WCAG 2 A and AA rules on the page as it is now (the sandboxed email frame is its own document). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the admin's CSP (script-src 'self') does not apply to it.
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, iframes: false, resultTypes: ["violations"] })`)) as { violations: AxeViolation[] };
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
}
