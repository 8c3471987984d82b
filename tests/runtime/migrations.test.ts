/**
 * Workers cannot read the migrations folder at run time, so cloudflare/boot.ts imports each file;
 * this keeps that list in step with the folder Node, Deno and `wrangler d1 migrations apply` read.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("the Worker's migrations", () => {
  it("list every SQL file of src/store/migrations, in order", () => {
    const folder = readdirSync("src/store/migrations").filter((f) => f.endsWith(".sql")).sort();
    const boot = readFileSync("src/runtimes/cloudflare/boot.ts", "utf8");
    const listed = [...boot.matchAll(/name: "(\d{4}_[^"]+\.sql)"/g)].map((m) => m[1]);
    const imported = [...boot.matchAll(/from "\.\.\/\.\.\/store\/migrations\/([^"]+\.sql)"/g)].map((m) => m[1]);
    expect(listed).toEqual(folder);
    expect(imported).toEqual(folder);
  });
});
