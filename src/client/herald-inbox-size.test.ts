import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

/**
 * The README states <herald-inbox>'s size (the issue asks for it): this keeps the figure honest and
 * the element small. Gzip per module, as a browser fetches them (no bundler in between).
 */
const HERE = import.meta.dirname;

/** The modules a page loads for `entry`, following its static relative imports. */
function graph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(entry, "utf8");
  for (const [, spec] of source.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gm)) graph(join(dirname(entry), spec!), seen);
  return seen;
}

const gzipKb = (files: string[]) => files.reduce((sum, f) => sum + gzipSync(readFileSync(f)).length, 0) / 1000;
const SDK = new Set(graph(join(HERE, "herald.js")));

describe("<herald-inbox>'s size", () => {
  const files = [...graph(join(HERE, "herald-inbox.js"))];
  const total = gzipKb(files);
  const element = gzipKb(files.filter((f) => !SDK.has(f)));
  const sdk = gzipKb(files.filter((f) => SDK.has(f)));
  const raw = files.reduce((sum, f) => sum + readFileSync(f).length, 0) / 1000;

  it("stays small: under 25 KB gzip with the SDK it shares", () => {
    expect(total).toBeLessThan(25);
  });

  it("is what the README says it is", () => {
    const readme = readFileSync(join(HERE, "../../README.md"), "utf8");
    const said = /It is (\d+) KB in (\d+) modules, (\d+) KB gzip \(the\s+element with its styles and strings ([\d.]+) KB, the SDK it shares with your own code ([\d.]+) KB[;)]/.exec(readme);
    expect(said, "README's <herald-inbox> size sentence").not.toBeNull();
    const [, rawKb, modules, totalKb, elementKb, sdkKb] = said!.map(Number);
    // Close enough that a small edit elsewhere in src/client does not fail it, not so loose that the sentence goes stale.
    expect(modules).toBe(files.length);
    expect(Math.abs(rawKb! - raw), `raw ${raw.toFixed(1)} KB`).toBeLessThanOrEqual(2);
    expect(Math.abs(totalKb! - total), `gzip ${total.toFixed(1)} KB`).toBeLessThanOrEqual(1);
    expect(Math.abs(elementKb! - element), `element ${element.toFixed(1)} KB`).toBeLessThanOrEqual(0.5);
    expect(Math.abs(sdkKb! - sdk), `SDK ${sdk.toFixed(1)} KB`).toBeLessThanOrEqual(0.5);
  });
});
