// Fills packages/herald-sdk/dist/ with the browser SDK as Herald serves it (src/client/, tests and
// the service worker left out), so the npm package and /sdk/ are the same files. Run by the
// package's prepack (npm pack, npm publish). Refuses to pack if the package's version is not the
// API version the SDK declares.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const client = join(root, "src", "client");
const out = join(root, "packages", "herald-sdk", "dist");
const { version } = JSON.parse(readFileSync(join(root, "packages", "herald-sdk", "package.json"), "utf8"));
const declared = /export const API_VERSION = "([^"]+)"/.exec(readFileSync(join(client, "herald.js"), "utf8"))?.[1];
if (declared !== version) throw new Error(`herald-sdk is ${version} but src/client/herald.js speaks API ${declared}: make them equal`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = readdirSync(client).filter((name) => /\.(js|d\.ts)$/.test(name) && !name.includes(".test.") && name !== "sw.js");
for (const name of files) copyFileSync(join(client, name), join(out, name));
console.log(`herald-sdk ${version}: ${files.length} files in ${out}`);
