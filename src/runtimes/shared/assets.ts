import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ROOT = join(SRC, "..");
/**
 * uPlot's browser build and stylesheet, served to the admin UI as its own files (no CDN). The
 * minified IIFE build (a `uPlot` global): the package's ES module build is not minified (145 KB vs 50 KB).
 */
const UPLOT = { "/admin/vendor/uplot.iife.min.js": "uPlot.iife.min.js", "/admin/vendor/uplot.min.css": "uPlot.min.css" };
/**
 * Redoc's standalone bundle for the API reference at /docs/ (no CDN). Redoc 2's is one file of
 * 1.1 MB (330 KB gzip), with nothing fetched from elsewhere; Redoc 3's is 2.3 MB and Scalar's 4.9 MB.
 */
const REDOC = { "/docs/redoc.standalone.js": join("redoc", "bundles", "redoc.standalone.js") };
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".webmanifest": "application/manifest+json",
};

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/**
 * The browser files Herald serves, read once at start: the SDK (`src/client/herald.js` →
 * `/sdk/herald.js`), the service worker (`src/client/sw.js` → `/sw.js`), the demo (`src/demo/**`,
 * its welcome page also at `/`), the admin UI (`admin-ui/**` → `/admin/**`, `/admin/` itself
 * answered with `/admin/index.html`) and uPlot's dist files for it (`/admin/vendor/uplot.iife.min.js`,
 * `/admin/vendor/uplot.min.css`), and the API reference page (`src/reference/**` → `/docs/**`, with
 * Redoc's bundle at `/docs/redoc.standalone.js`).
 * Tests beside them (`*.test.*`) are not served.
 */
export function readAssets(): Record<string, { body: string; type: string }> {
  const assets: Record<string, { body: string; type: string }> = {};
  const add = (url: string, file: string) => {
    const type = TYPES[extname(file)];
    if (type && !/\.test\./.test(file)) assets[url] = { body: readFileSync(file, "utf8"), type };
  };
  for (const file of walk(join(SRC, "client"))) {
    const name = relative(join(SRC, "client"), file);
    add(name === "sw.js" ? "/sw.js" : `/sdk/${name}`, file);
  }
  for (const file of walk(join(SRC, "demo"))) add(`/demo/${relative(join(SRC, "demo"), file)}`, file);
  // The welcome page answers at / (on Workers as the assets' index.html).
  if (assets["/demo/welcome.html"]) assets["/index.html"] = assets["/demo/welcome.html"];
  for (const file of walk(join(ROOT, "admin-ui"))) add(`/admin/${relative(join(ROOT, "admin-ui"), file).split("\\").join("/")}`, file);
  for (const [url, name] of Object.entries(UPLOT)) add(url, join(ROOT, "node_modules", "uplot", "dist", name));
  for (const file of walk(join(SRC, "reference"))) add(`/docs/${relative(join(SRC, "reference"), file)}`, file);
  for (const [url, path] of Object.entries(REDOC)) add(url, join(ROOT, "node_modules", path));
  return assets;
}
