import { describe, expect, it } from "vitest";
import { limitLength } from "./length-limit.js";
import { countSegments } from "./segments.js";

describe("SMS length limit", () => {
  it("lets a text within every limit through untouched", () => {
    expect(limitLength("Order 1234 is ready", { maxSegments: 1, maxCharacters: 100, providerMaxUnits: 1600, policy: "refuse" })).toEqual({ ok: true, text: "Order 1234 is ready", truncated: false });
  });

  it("refuses by segments, by characters or by the provider's cap, naming the limit", () => {
    expect(limitLength("ж".repeat(71), { maxSegments: 1, policy: "refuse" })).toEqual({ ok: false, message: "the SMS needs 2 UCS-2 parts (71 characters), more than SMS_MAX_SEGMENTS=1" });
    expect(limitLength("a".repeat(50), { maxSegments: 10, maxCharacters: 40, policy: "refuse" })).toEqual({ ok: false, message: "the SMS has 50 characters, more than SMS_MAX_CHARACTERS=40" });
    expect(limitLength("a".repeat(1601), { maxSegments: 20, providerMaxUnits: 1600, policy: "refuse" })).toEqual({ ok: false, message: "the SMS is 1601 UTF-16 units long, more than the provider accepts (1600)" });
  });

  it("truncates to the tightest limit, between code points", () => {
    expect(limitLength("a".repeat(400), { maxSegments: 2, policy: "truncate" })).toEqual({ ok: true, text: "a".repeat(306), truncated: true });
    expect(limitLength("a".repeat(400), { maxSegments: 2, maxCharacters: 100, policy: "truncate" })).toMatchObject({ text: "a".repeat(100) });
    const emoji = limitLength("👍".repeat(900), { maxSegments: 30, providerMaxUnits: 1599, policy: "truncate" });
    expect(emoji).toMatchObject({ ok: true, text: "👍".repeat(799) });
    const cut = limitLength("x👍".repeat(100), { maxSegments: 10, maxCharacters: 7, policy: "truncate" });
    expect(cut).toMatchObject({ text: "x👍x👍x👍x" });
    expect(countSegments((limitLength("ж".repeat(500), { maxSegments: 3, policy: "truncate" }) as { text: string }).text).segments).toBe(3);
  });
});
