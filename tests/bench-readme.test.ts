/**
 * bench/README.md is a results sheet, not a lab log: short enough to read, with a section for
 * every benchmark script (its command and latest figures) and a dated row in the results table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("bench/README.md", () => {
  const sheet = readFileSync("bench/README.md", "utf8");
  const scripts = readdirSync("bench").filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));

  it("stays under 250 lines", () => {
    expect(sheet.split("\n").length).toBeLessThan(250);
  });

  it("has a section and a dated results row for every benchmark script", () => {
    expect(scripts.length).toBeGreaterThan(5);
    const table = sheet.split(/^## /m)[1] ?? "";
    for (const name of scripts) {
      expect(sheet, name).toMatch(new RegExp(`^##+ bench/${name}[: ]`, "m"));
      expect(table, name).toMatch(new RegExp(`^\\| \`${name}\` \\|.*\\(20\\d\\d-\\d\\d-\\d\\d\\)`, "m"));
    }
  });

  it("keeps history in git: no session diary", () => {
    expect(sheet).not.toMatch(/\bsession\b/i);
  });
});
