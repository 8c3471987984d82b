/**
 * The npm package `herald-sdk` (packages/herald-sdk): packed with npm, installed into a fresh
 * project from the tarball, imported by its name in Node and type-checked by name with tsc.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { API_VERSION as SERVER_API } from "../../src/core/http/api-version.js";
import { API_VERSION as SDK_API } from "../../src/client/herald.js";

const root = resolve(import.meta.dirname, "../..");
const pkgDir = join(root, "packages", "herald-sdk");
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_update_notifier: "false" } });

describe("the herald-sdk package", () => {
  it("carries the API version the server documents and the SDK declares", () => {
    const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    expect(version).toBe(SERVER_API);
    expect(SDK_API).toBe(SERVER_API);
  });

  it("packs the files Herald serves at /sdk/, installs from the tarball and imports and type-checks by its name", { timeout: 120_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), "herald-sdk-pack-"));
    run("npm", ["pack", "--pack-destination", out, "--silent"], pkgDir);
    const tarball = join(out, readdirSync(out).find((f) => f.endsWith(".tgz"))!);
    const listed = run("tar", ["-tzf", tarball], out).split("\n").filter(Boolean).sort();
    const served = readdirSync(join(root, "src", "client")).filter((f) => /\.(js|d\.ts)$/.test(f) && !f.includes(".test.") && f !== "sw.js");
    expect(listed).toEqual(["package/README.md", "package/package.json", ...served.map((f) => `package/dist/${f}`)].sort());
    for (const file of served) expect(run("tar", ["-xzOf", tarball, `package/dist/${file}`], out)).toBe(readFileSync(join(root, "src", "client", file), "utf8"));

    const app = mkdtempSync(join(tmpdir(), "herald-sdk-app-"));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "shop", private: true, type: "module" }));
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tarball], app);
    const imported = run(process.execPath, ["--input-type=module", "-e", "import { Herald, API_VERSION } from 'herald-sdk'; await import('herald-sdk/inbox'); await import('herald-sdk/chat'); console.log(JSON.stringify({ api: API_VERSION, herald: typeof Herald, list: typeof new Herald({ token: 't' }).notifications.list }))"], app);
    expect(JSON.parse(imported)).toEqual({ api: SERVER_API, herald: "function", list: "function" });

    writeFileSync(
      join(app, "inbox.ts"),
      `import { Herald, type InboxPage, type RoomMessage } from "herald-sdk";
const herald = new Herald({ url: "https://notify.shop.example", token: "t" });
export const page: Promise<InboxPage> = herald.notifications.list({ before: "latest", unread: true });
export const marked: Promise<number> = herald.notifications.markAllRead();
herald.on("counts", (c) => c.rooms["ticket:1"]);
export const sent: Promise<RoomMessage> = herald.send("ticket:1", "hi");
// @ts-expect-error a typo in a method name is caught
herald.notifications.archiv("x");
`,
    );
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, lib: ["ES2022", "DOM"], types: [] }, files: ["inbox.ts"] }));
    run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", app], app);
  });
});
