/** A shop's own site for the embedding tests: a static page on one origin, Herald on another. */
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";

/** Serves `pages` by path from 127.0.0.1 (origin A); Herald is reached as http://localhost:PORT (origin B). */
export async function staticSite(pages: Record<string, string>): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const body = pages[new URL(req.url ?? "/", "http://x").pathname];
    res.writeHead(body === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" }).end(body ?? "not here");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A shop page with the inbox in its header: one script tag and one element. */
export function shopPage(herald: string, token: string, attributes = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,"></head>
<body><header style="display:flex;justify-content:space-between;align-items:center;padding:8px 16px"><h1>Shop</h1>
<herald-inbox url="${herald}" token="${token}" ${attributes}></herald-inbox></header>
<main><p>Welcome to the shop.</p></main>
<script type="module" src="${herald}/sdk/herald-inbox.js"></script></body></html>`;
}

const require = createRequire(import.meta.url);

/** axe-core's violations on the page (it walks open shadow roots), as `rule: nodes` lines for a readable failure. */
export async function axeViolations(page: Page, selector: string): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const violations = await page.evaluate(async (sel) => {
    const result = await (window as any).axe.run({ include: [sel] }, { resultTypes: ["violations"] });
    return result.violations.map((v: any) => `${v.id}: ${v.help} (${v.nodes.map((n: any) => n.target.join(" ")).join(", ")})`);
  }, selector);
  return violations;
}

/** The shadow root's rendering of the inbox: ids and titles in order, the badge, the status line. */
export function inboxView(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector("herald-inbox")!.shadowRoot!;
    const badge = root.querySelector(".badge") as HTMLElement;
    return {
      ids: [...root.querySelectorAll(".item")].map((li) => (li as HTMLElement).dataset.id!),
      titles: [...root.querySelectorAll(".item strong")].map((s) => s.textContent),
      unread: root.querySelectorAll(".item.unread").length,
      badge: badge.hidden ? 0 : Number(badge.textContent),
      status: (root.querySelector(".status") as HTMLElement).hidden ? "" : root.querySelector(".status")!.textContent,
      empty: !(root.querySelector(".empty") as HTMLElement).hidden,
    };
  });
}
