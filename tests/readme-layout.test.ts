/**
 * The README's Layout section names the folders a newcomer reads first. This keeps it true: every
 * folder it names exists in the repository, and every top-level folder and every folder of src/
 * is named there.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

function layoutFolders(readme: string): string[] {
  const section = readme.split(/^## Layout\s*$/m)[1]?.split(/^## /m)[0] ?? "";
  const block = section.split("```")[1] ?? "";
  return [...block.matchAll(/^([a-z][\w./-]*\/)\s/gm)].map((m) => m[1]!);
}

describe("the README's layout", () => {
  const files = execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n").filter(Boolean);
  const folders = new Set(files.flatMap((f) => f.split("/").slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join("/")}/`)));
  const named = layoutFolders(readFileSync("README.md", "utf8"));

  it("names only folders that exist", () => {
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((f) => !folders.has(f))).toEqual([]);
  });

  it("names every top-level folder and every folder of src/", () => {
    const expected = [...folders].filter((f) => (/^[^./][^/]*\/$/.test(f) && f !== "src/") || /^src\/[^/]+\/$/.test(f));
    expect(expected.filter((f) => !named.includes(f))).toEqual([]);
  });
});
