/**
 * The SDK's declarations (herald.d.ts, hand-written because the SDK is plain JavaScript) against
 * the zod schemas the server validates and documents with: a field added, renamed or retyped on
 * one side fails `npm run typecheck` here, and the runtime checks fail the suite.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import * as schemas from "../core/schemas/inbox.js";
import { Preferences, PreferencesPatch } from "../core/preferences.js";
import type * as sdk from "./herald.js";

describe("herald.d.ts", () => {
  it("declares the items, states and messages the server sends exactly as its zod schemas infer them", () => {
    expectTypeOf<sdk.InboxItem>().toEqualTypeOf<z.infer<typeof schemas.InboxItem>>();
    expectTypeOf<sdk.ListedItem>().toEqualTypeOf<z.infer<typeof schemas.ListedItem>>();
    expectTypeOf<sdk.ItemState>().toEqualTypeOf<z.infer<typeof schemas.ItemState>>();
    expectTypeOf<sdk.Message>().toEqualTypeOf<z.infer<typeof schemas.Message>>();
    expectTypeOf<sdk.Preferences>().toEqualTypeOf<z.infer<typeof Preferences>>();
    expectTypeOf<sdk.PreferencesPatch>().toEqualTypeOf<z.infer<typeof PreferencesPatch>>();
  });

  it("names every field of the schemas (a strict parse of a fully populated item typed by herald.d.ts)", () => {
    const item: sdk.ListedItem = {
      id: "ntf_1",
      seq: 1,
      type: "message",
      topic: "ticket:1",
      title: null,
      body: "hi",
      url: null,
      data: {},
      actions: [{ action: "track", title: "Track", url: "https://shop.example/t" }],
      sender: { id: "a", name: "A", system: false },
      clientMessageId: "c1",
      createdAt: "2026-01-01T00:00:00.000Z",
      seenAt: null,
      readAt: null,
      archivedAt: null,
    };
    expect(schemas.ListedItem.strict().parse(item)).toEqual(item);
    expect(Object.keys(item).sort()).toEqual(Object.keys(schemas.ListedItem.shape).sort());
    const message: sdk.Message = { id: "m", topic: "t", body: "b", data: {}, sender: { id: null, name: null }, clientMessageId: null, createdAt: "x", status: "read", deliveredAt: "x", readAt: "x" };
    expect(Object.keys(message).sort()).toEqual(Object.keys(schemas.Message.shape).sort());
  });
});
