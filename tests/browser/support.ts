/** Shared setup of the browser tests: headless Debian Chromium, a subscriber with a token, screenshots. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { api } from "../support/server.js";

export type Api = ReturnType<typeof api>;

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export { freePort } from "../support/server.js";

/** The realtime template and rule the inbox tests post events through. */
export async function orderRule(call: Api): Promise<void> {
  const template = await call("PUT", "/v1/templates/order-rt", { channels: { realtime: { title: "Order #{{data.order}}", body: "{{data.text}}" } } });
  if (template.status >= 300) throw new Error(`template: ${template.status} ${JSON.stringify(template.body)}`);
  const rule = await call("PUT", "/v1/rules/order-rt", { event: "test.order", steps: [{ channel: "realtime", template: "order-rt" }] });
  if (rule.status >= 300) throw new Error(`rule: ${rule.status} ${JSON.stringify(rule.body)}`);
}

export async function subscriber(call: Api, id: string, name: string, locale = "en"): Promise<string> {
  const put = await call("PUT", `/v1/subscribers/${id}`, { name, locale });
  if (put.status >= 300) throw new Error(`subscriber: ${put.status} ${JSON.stringify(put.body)}`);
  const { status, body } = await call("POST", `/v1/subscribers/${id}/tokens`, {});
  if (status !== 201) throw new Error(`token: ${status} ${JSON.stringify(body)}`);
  return body.token as string;
}

export async function notify(call: Api, to: string, order: number, text: string): Promise<void> {
  const { status, body } = await call("POST", "/v1/events", { id: `ev-${to}-${order}`, type: "test.order", to, data: { order, text } });
  if (status !== 202) throw new Error(`event: ${status} ${JSON.stringify(body)}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Page errors and console errors, so a test can show what broke in the page. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  return errors;
}

/** Ids of the notifications the inbox page shows, top (newest) first. */
export const shownIds = (page: Page) => page.locator("#list li").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.id!));
export const badge = (page: Page) => page.locator("#badge").evaluate((b) => ((b as HTMLElement).hidden ? 0 : Number(b.textContent)));
