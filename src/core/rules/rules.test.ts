import { describe, expect, it } from "vitest";
import { matchesConditions } from "./conditions.js";
import { fillPlaceholders, readPath } from "./path.js";
import { resolveAudience } from "./recipients.js";

const event = { type: "order.status_changed", to: "c1", data: { status: "courier", total: 1500, tags: ["a"], customer: { id: "c9" }, watchers: ["w1", "w2"] } };

describe("conditions", () => {
  it("matches equality and every operator on dotted paths", () => {
    expect(matchesConditions({ "data.status": "courier" }, event)).toBe(true);
    expect(matchesConditions({ "data.status": "delivered" }, event)).toBe(false);
    expect(matchesConditions({ "data.status": { in: ["accepted", "courier"] } }, event)).toBe(true);
    expect(matchesConditions({ "data.status": { ne: "courier" } }, event)).toBe(false);
    expect(matchesConditions({ "data.missing": { exists: false }, "data.total": { exists: true } }, event)).toBe(true);
    expect(matchesConditions({ "data.total": { gt: 1499 } }, event)).toBe(true);
    expect(matchesConditions({ "data.total": { gte: 1500 } }, event)).toBe(true);
    expect(matchesConditions({ "data.total": { lt: 1500 } }, event)).toBe(false);
    expect(matchesConditions({ "data.total": { lte: 1500 } }, event)).toBe(true);
    expect(matchesConditions({ "data.status": { gt: 1 } }, event)).toBe(false);
    expect(matchesConditions({ "data.customer.id": "c9", type: "order.status_changed" }, event)).toBe(true);
    expect(matchesConditions(undefined, event)).toBe(true);
  });

  it("treats null as matching a missing value", () => {
    expect(matchesConditions({ "data.nothing": null }, event)).toBe(true);
  });

  it("never reads inherited properties", () => {
    expect(readPath(event, "data.constructor")).toBeUndefined();
    expect(readPath(event, "data.__proto__")).toBeUndefined();
    expect(matchesConditions({ "data.constructor": { exists: true } }, event)).toBe(false);
  });
});

describe("recipients", () => {
  it("defaults to the event's to (one or many) or topic", () => {
    expect(resolveAudience(undefined, event)).toEqual({ subscribers: ["c1"] });
    expect(resolveAudience(undefined, { type: "x", to: ["a", "b", "a"] })).toEqual({ subscribers: ["a", "b"] });
    expect(resolveAudience(undefined, { type: "x", topic: "order:1" })).toEqual({ topic: "order:1" });
    expect(resolveAudience(undefined, { type: "x" })).toHaveProperty("none");
  });

  it("fills placeholders, keeping lists as lists", () => {
    expect(resolveAudience({ subscriber: "{{data.customer.id}}" }, event)).toEqual({ subscribers: ["c9"] });
    expect(resolveAudience({ subscriber: "{{data.watchers}}" }, event)).toEqual({ subscribers: ["w1", "w2"] });
    expect(resolveAudience({ topic: "order:{{data.total}}" }, event)).toEqual({ topic: "order:1500" });
    expect(resolveAudience({ subscriber: "{{data.nobody}}" }, event)).toHaveProperty("none");
    expect(fillPlaceholders("x-{{ data.status }}", event)).toBe("x-courier");
  });
});
