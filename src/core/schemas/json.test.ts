import { describe, expect, it } from "vitest";
import { JSON_LIMITS, JsonObject, jsonLimitProblem } from "./json.js";

function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 1; i < levels; i++) value = [value];
  return { a: value };
}

describe("limits on free-form JSON", () => {
  it("takes 32 levels and refuses 33", () => {
    // {a: [[…[0]…]]}: the object is level 1, each array one more.
    expect(jsonLimitProblem(nested(32))).toBeUndefined();
    expect(jsonLimitProblem(nested(33))).toBe("nests deeper than 32 levels");
  });

  it("refuses a value nested 100,000 deep without overflowing the stack", () => {
    const text = `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(jsonLimitProblem(JSON.parse(text))).toBe("nests deeper than 32 levels");
  });

  it("counts keys over every object inside, arrays of objects included", () => {
    const items = (n: number) => ({ items: Array.from({ length: n }, (_, i) => ({ [`k${i}`]: i })) });
    expect(jsonLimitProblem(items(JSON_LIMITS.maxKeys - 1))).toBeUndefined();
    expect(jsonLimitProblem(items(JSON_LIMITS.maxKeys))).toMatch(/more than 2000 keys/);
  });

  it("measures the size as UTF-8 JSON", () => {
    const overhead = JSON.stringify({ s: "" }).length;
    expect(jsonLimitProblem({ s: "x".repeat(JSON_LIMITS.maxBytes - overhead) })).toBeUndefined();
    expect(jsonLimitProblem({ s: "x".repeat(JSON_LIMITS.maxBytes - overhead + 1) })).toMatch(/65537 bytes/);
    // Cyrillic takes two bytes a letter: half as many letters fit.
    expect(jsonLimitProblem({ s: "ж".repeat((JSON_LIMITS.maxBytes - overhead) / 2 + 1) })).toMatch(/65538 bytes/);
  });

  it("is a schema that names the field it refuses", () => {
    const result = JsonObject.safeParse(nested(40));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(["nests deeper than 32 levels"]);
    expect(JsonObject.safeParse({ order: { id: 1, lines: [{ sku: "a" }] } }).success).toBe(true);
  });
});
