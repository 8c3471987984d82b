import { describe, expect, it } from "vitest";
import { applyPreferencesPatch, mutedBy, quietHoursEnd, type Preferences } from "./preferences.js";

describe("preferences", () => {
  const prefs: Preferences = { channels: { sms: false }, categories: { promotions: false, digest: { email: false } } };

  it("mutes a channel, a category, or a category on one channel", () => {
    expect(mutedBy(prefs, { channel: "sms", category: "orders", critical: false })).toMatch(/sms off/);
    expect(mutedBy(prefs, { channel: "push", category: "promotions", critical: false })).toMatch(/promotions/);
    expect(mutedBy(prefs, { channel: "email", category: "digest", critical: false })).toMatch(/digest.*email/);
    expect(mutedBy(prefs, { channel: "push", category: "digest", critical: false })).toBeUndefined();
  });

  it("never mutes a critical message", () => {
    expect(mutedBy(prefs, { channel: "sms", category: "promotions", critical: true })).toBeUndefined();
  });

  it("patches as a JSON merge patch: null removes, objects merge", () => {
    const next = applyPreferencesPatch(prefs, { channels: { sms: null, email: false }, categories: { digest: { push: false } }, quietHours: { start: "22:00", end: "08:00" } });
    expect(next).toEqual({ channels: { email: false }, categories: { promotions: false, digest: { email: false, push: false } }, quietHours: { start: "22:00", end: "08:00" } });
    expect(applyPreferencesPatch(next, { channels: { email: null }, quietHours: null })).toEqual({ categories: next.categories });
  });
});

describe("quiet hours", () => {
  const night: Preferences = { quietHours: { start: "22:00", end: "08:00" } };
  const utc = (iso: string) => Date.parse(iso);

  it("defers to the end of a window that wraps midnight, in the subscriber's timezone", () => {
    // 23:30 in Moscow (UTC+3) is 20:30 UTC; quiet hours end at 08:00 Moscow = 05:00 UTC.
    expect(quietHoursEnd(night, "Europe/Moscow", utc("2026-11-22T20:30:00Z"))).toBe(utc("2026-11-23T05:00:00Z"));
    // 03:10 Moscow.
    expect(quietHoursEnd(night, "Europe/Moscow", utc("2026-11-23T00:10:20Z"))).toBe(utc("2026-11-23T05:00:00Z"));
  });

  it("lets messages through outside the window, and without one", () => {
    expect(quietHoursEnd(night, "Europe/Moscow", utc("2026-11-22T12:00:00Z"))).toBeUndefined();
    expect(quietHoursEnd({}, "Europe/Moscow", utc("2026-11-22T20:30:00Z"))).toBeUndefined();
    // Exactly at the end minute: no longer quiet.
    expect(quietHoursEnd(night, "UTC", utc("2026-11-22T08:00:00Z"))).toBeUndefined();
  });

  it("handles a window inside one day and an unknown timezone as UTC", () => {
    const lunch: Preferences = { quietHours: { start: "12:00", end: "13:30" } };
    expect(quietHoursEnd(lunch, "Mars/Olympus", utc("2026-11-22T12:15:00Z"))).toBe(utc("2026-11-22T13:30:00Z"));
  });
});
