// Writes the browser files Herald serves (readAssets(): the SDK, the service worker, the demo and
// the admin UI) into .worker-assets/, the folder wrangler.toml's [assets] uploads. Run by wrangler
// itself ([build] in wrangler.toml) before `wrangler dev` and `wrangler deploy`, so the Worker
// serves exactly what Node and Deno serve without bundling the files into the script.
// Usage: node --import tsx scripts/build-worker-assets.mjs [outDir]
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readAssets } from "../src/runtimes/shared/assets.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(root, process.argv[2] ?? ".worker-assets");
const files = Object.fromEntries(Object.entries(readAssets()).map(([url, { body }]) => [url.slice(1), body]));
// Same headers as the app's asset routes: a short cache, no sniffing.
files._headers = "/*\n  cache-control: public, max-age=60\n  x-content-type-options: nosniff\n";

// Several `wrangler dev` may start at once (tests): each file is replaced atomically and only when it
// changed, so a running server never sees a half-written or missing file.
for (const [name, body] of Object.entries(files)) {
  const file = join(out, name);
  if (!file.startsWith(out + "/")) throw new Error(`asset path escapes the folder: ${name}`);
  if (existsSync(file) && readFileSync(file, "utf8") === body) continue;
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, body);
  renameSync(temp, file);
}
const walk = (dir) => (existsSync(dir) ? readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)])) : []);
for (const file of walk(out)) if (!(relative(out, file) in files) && !file.endsWith(".tmp")) rmSync(file, { force: true });
console.log(`worker assets: ${Object.keys(files).length - 1} files in ${out}`);
