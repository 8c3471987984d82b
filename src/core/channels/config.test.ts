import { describe, expect, it } from "vitest";
import { configDeclarationProblems, parseConfigValue, resolveConfig, type ConfigField, type ConfigSchema } from "./config.js";

const read = (field: Omit<ConfigField, "description">, raw: string) => parseConfigValue("demo", "x", { description: "x", env: "DEMO_X", ...field }, raw);

describe("channel configuration read by its declaration", () => {
  it("accepts a choice in any case and hands over the declared spelling", () => {
    expect(read({ type: "string", choices: ["GET", "POST"] }, "get")).toBe("GET");
    expect(read({ type: "string", choices: ["refuse", "truncate"] }, "Truncate")).toBe("truncate");
  });

  it("refuses a value outside the choices, naming them", () => {
    expect(() => read({ type: "string", choices: ["smtp", "resend"] }, "sendgrid")).toThrow("DEMO_X: must be smtp or resend");
    expect(() => read({ type: "string", choices: ["very-low", "low", "normal", "high"] }, "urgent")).toThrow("DEMO_X: must be one of very-low, low, normal, high");
  });

  it("matches a pattern against the whole value, whatever flags it was written with", () => {
    const sid = { type: "string" as const, pattern: /AC[0-9a-f]{4}/gi, patternHint: "AC and 4 hex digits" };
    expect(read(sid, "AC12ab")).toBe("AC12ab");
    expect(read(sid, "ac12AB")).toBe("ac12AB");
    // A /g pattern keeps its position between calls; the check must not depend on that.
    expect(read(sid, "AC12ab")).toBe("AC12ab");
    expect(() => read(sid, "xAC12ab")).toThrow("DEMO_X: must be AC and 4 hex digits");
    expect(() => read(sid, "AC12abc")).toThrow(/AC and 4 hex digits/);
    expect(() => read({ type: "string", pattern: /a|b/ }, "ab")).toThrow("DEMO_X: must match a|b");
  });

  it("reads integers within their range, and numbers as numbers", () => {
    expect(read({ type: "integer", min: 1, max: 10 }, "10")).toBe(10);
    expect(() => read({ type: "integer", min: 1 }, "0")).toThrow("DEMO_X: must be at least 1");
    expect(() => read({ type: "integer", max: 10 }, "11")).toThrow("DEMO_X: must be at most 10");
    expect(() => read({ type: "integer" }, "1.5")).toThrow("DEMO_X: must be a whole number");
    expect(() => read({ type: "integer" }, "ten")).toThrow("DEMO_X: must be a whole number");
    expect(() => read({ type: "integer" }, " ")).toThrow("DEMO_X: must be a whole number");
    expect(read({ type: "number", min: 0 }, "0.25")).toBe(0.25);
    expect(() => read({ type: "number" }, "Infinity")).toThrow("DEMO_X: must be a number");
  });

  it("reads booleans and http(s) URLs", () => {
    expect(read({ type: "boolean" }, "1")).toBe(true);
    expect(read({ type: "boolean" }, "false")).toBe(false);
    expect(() => read({ type: "boolean" }, "yes")).toThrow("DEMO_X: must be true/false or 1/0");
    expect(read({ type: "url" }, "https://hooks.example/x")).toBe("https://hooks.example/x");
    expect(() => read({ type: "url" }, "ftp://hooks.example/x")).toThrow("DEMO_X: must be an http(s) URL");
  });

  it("never echoes the value it refuses", () => {
    const secret = "https//hooks.example/secret-path-0123";
    for (const field of [{ type: "url" }, { type: "string", pattern: /x/ }, { type: "string", choices: ["a", "b"] }, { type: "integer" }] as const) {
      try {
        read({ ...field, secret: true }, secret);
        expect.unreachable();
      } catch (error) {
        expect((error as Error).message).not.toContain("secret-path");
        expect(error).toMatchObject({ code: "bad_config", pluginId: "demo" });
      }
    }
  });

  it("fills defaults, lists absent required fields, and checks only what is set", () => {
    const schema: ConfigSchema = {
      url: { type: "url", required: true, env: "DEMO_URL", description: "where" },
      mode: { type: "string", choices: ["a", "b"], default: "a", env: "DEMO_MODE", description: "how" },
      limit: { type: "integer", min: 1, env: "DEMO_LIMIT", description: "how many" },
    };
    expect(resolveConfig("demo", schema, {})).toEqual({ values: { mode: "a" }, missing: ["DEMO_URL"] });
    expect(resolveConfig("demo", schema, { DEMO_URL: "http://x.example", DEMO_MODE: "B", DEMO_LIMIT: "" })).toEqual({ values: { url: "http://x.example", mode: "b" }, missing: [] });
    expect(() => resolveConfig("demo", schema, { DEMO_LIMIT: "0" })).toThrow("DEMO_LIMIT: must be at least 1");
  });
});

describe("configuration declarations", () => {
  it("find defaults that break their own rules, and rules on the wrong type", () => {
    expect(
      configDeclarationProblems("demo", {
        a: { type: "string", choices: ["x", "y"], default: "z", description: "a" },
        b: { type: "integer", min: 5, default: 1, description: "b" },
        c: { type: "integer", choices: ["1"], description: "c" },
        d: { type: "string", max: 3, description: "d" },
        e: { type: "string", choices: ["Normal"], default: "normal", description: "e" },
        f: { type: "string", description: " " },
      }),
    ).toEqual([
      expect.stringMatching(/^a: the default does not pass its own checks/),
      expect.stringMatching(/^b: the default does not pass its own checks/),
      "c: choices and patterns are for string fields",
      "d: min and max are for numbers",
      'e: the default "normal" reads back as "Normal"',
      "f: no description",
    ]);
    expect(configDeclarationProblems("demo", { ok: { type: "integer", min: 1, default: 10, description: "fine" } })).toEqual([]);
  });
});
