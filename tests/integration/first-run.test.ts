/**
 * A newcomer's first run, followed literally: a fresh copy of the repository, `npm start` with no
 * configuration (only a free port instead of 8787, which may be taken here), the key it prints, the
 * README's first command block run by bash with curl, and the welcome page at / in Chromium.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, pageErrors, screenshot } from "../browser/support.js";
import { api, eventually, freePort } from "../support/server.js";

const root = resolve(import.meta.dirname, "../..");
let server: ChildProcess;
let base: string;
let key: string;
let port: number;
let browser: Browser;
const output: string[] = [];

/** The README's first ```sh block under "A first event", as written. */
function readmeCommands(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## A first event"));
  return /```sh\n([\s\S]*?)```/.exec(section)![1]!;
}

/** The repository as a clone has it (tracked and new files, nothing ignored), with this checkout's node_modules. */
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "herald-fresh-"));
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(join(root, file), join(dir, file));
    } catch {
      // listed but deleted in the working tree
    }
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

beforeAll(async () => {
  const dir = freshCopy();
  [port, browser] = await Promise.all([freePort(), launchBrowser()]);
  server = spawn("npm", ["start"], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start did not print a key and listen in 60 s:\n${output.join("")}`)), 60_000);
    const read = (chunk: Buffer) => {
      output.push(chunk.toString());
      const text = output.join("");
      const printed = /Herald API key \(shown once, store it now\): (\S+)/.exec(text);
      if (printed && /herald listening/.test(text)) {
        key = printed[1]!;
        clearTimeout(timer);
        ready();
      }
    };
    server.stdout!.on("data", read);
    server.stderr!.on("data", read);
    server.once("exit", (code) => fail(new Error(`npm start exited with ${code}:\n${output.join("")}`)));
  });
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await browser?.close();
  if (server?.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    process.kill(-server.pid!, "SIGTERM");
    await exited;
  }
});

describe("the README's first example on a fresh clone", () => {
  it("delivers the event in-app with no configuration, and the welcome page at / shows it arrive", { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // Until the first command creates alice, the page asks for her token and gets 404s: by design.
    page.on("console", (m) => m.type() === "error" && !m.location().url.endsWith("/v1/subscribers/alice/tokens") && errors.push(`${m.text()} ${m.location().url}`));
    await page.goto(`${base}/`);
    // The page shows the README's commands, word for word, for the server it is on.
    const commands = readmeCommands();
    expect(commands).toContain("localhost:8787");
    expect((await page.locator("#commands").textContent())!.trim()).toBe(commands.replaceAll("localhost:8787", `127.0.0.1:${port}`).trim());
    await page.locator("#key").fill(key);
    await expect.poll(() => page.locator("#watchNote").textContent()).toContain("Waiting for alice");
    expect(await page.locator("#commands").textContent()).toContain(`KEY='${key}'`);
    await screenshot(page, "welcome-waiting");

    // The newcomer pastes the block into a shell: only the key line and the port differ.
    const script = commands.replace(/^KEY=\.\.\..*$/m, `KEY='${key}'`).replaceAll("localhost:8787", `localhost:${port}`);
    const printed = execFileSync("bash", ["-e", "-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const event = JSON.parse(printed.slice(printed.lastIndexOf('{"id":"order-1234-courier"')));
    expect(event.notifications).toHaveLength(1);
    expect(event.notifications[0].deliveries.map((d: any) => [d.channel, d.status])).toEqual([["realtime", expect.stringMatching(/^(sent|delivered)$/)]]);

    // Alice's inbox, live on the page (it was waiting for her), and the bell's badge.
    await expect.poll(() => page.locator("#list li .title").allTextContents(), { timeout: 20_000 }).toEqual(["Order 1234"]);
    expect(await page.locator("#list li .body").textContent()).toContain("Alice, your order is with the courier");
    await expect.poll(() => page.locator("herald-inbox .badge").textContent()).toBe("1");
    const call = api(base, key);
    await eventually(async () => (await call("GET", "/v1/events/order-1234-courier")).body.notifications[0].deliveries[0].status === "delivered");
    await screenshot(page, "welcome-delivered");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("warns in a preview about placeholders the sample leaves empty", async () => {
    const call = api(base, key);
    const preview = await call("POST", "/v1/templates/order-status/preview", { data: { order: 1234 }, subscriber: { name: "Alice" } });
    expect(preview.status).toBe(200);
    expect(preview.body.channels.realtime.body).toBe("Alice, your order is ");
    expect(preview.body.warnings).toEqual([{ path: "channels.realtime.body", message: "{{data.status}} resolves to nothing with this data, so it renders empty" }]);
    expect((await call("POST", "/v1/templates/order-status/preview", { data: { order: 1234, status: "packed" }, subscriber: { name: "Alice" } })).body.warnings).toEqual([]);
  });

  it("keeps the demo apart from the user's own events, and removes it in one click", { timeout: 120_000 }, async () => {
    const call = api(base, key);
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${base}/demo/inbox.html#lang=en`);
    await page.locator("#key").fill(key);
    await page.locator("#start").click();
    await expect.poll(() => page.locator("#state").getAttribute("data-state")).toBe("open");
    await page.locator("[data-status=courier]").click();
    await expect.poll(() => page.locator("#list li").count()).toBe(1);
    // The user's own order.status_changed for alice: one notification (theirs), none from the demo's rule.
    expect((await call("POST", "/v1/events", { id: "order-1235-delivered", type: "order.status_changed", to: "alice", data: { order: 1235, status: "delivered" } })).status).toBe(202);
    const event = await eventually(async () => {
      const res = await call("GET", "/v1/events/order-1235-delivered");
      return res.body.notifications?.[0]?.deliveries?.[0]?.status ? res.body : undefined;
    });
    expect(event.notifications.map((n: any) => n.ruleId)).toEqual(["order-status"]);
    expect((await call("GET", "/v1/rules/demo-order-status")).body).toMatchObject({ event: "demo.order.status_changed", if: { to: "demo-shopper" } });

    // A demo chat room, as chat.html makes one, with a message in it.
    await call("PUT", "/v1/subscribers/demo-customer-7", { name: "Kate" });
    await call("PUT", "/v1/topics/ticket:demo-7/subscribers/demo-customer-7");
    await call("PUT", "/v1/topics/ticket:demo-7", { allowMemberMessages: true });
    expect((await call("POST", "/v1/topics/ticket:demo-7/messages", { body: "Hello from the demo", senderId: "demo-customer-7" })).status).toBe(201);

    await page.goto(`${base}/demo/`);
    await page.getByRole("button", { name: "Remove the demo" }).click();
    await expect.poll(() => page.locator("#removed").textContent()).toBe("Removed: 1 rules, 1 templates, 2 subscribers, 1 rooms.");
    expect((await call("GET", "/v1/rules/demo-order-status")).status).toBe(404);
    expect((await call("GET", "/v1/templates/demo-order-status")).status).toBe(404);
    expect((await call("GET", "/v1/subscribers/demo-shopper")).status).toBe(404);
    expect((await call("GET", "/v1/subscribers/demo-customer-7")).status).toBe(404);
    expect((await call("DELETE", "/v1/demo")).body).toEqual({ rules: 0, templates: 0, subscribers: 0, rooms: 0, remaining: 0 });
    // The user's own things stay.
    expect((await call("GET", "/v1/rules/order-status")).status).toBe(200);
    expect((await call("GET", "/v1/subscribers/alice")).status).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });
});
