import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "./encoding.js";

describe("base64url", () => {
  it("encodes every length and byte value as Node's own encoder does, and decodes back", () => {
    for (let length = 0; length < 100; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length * 31) & 255);
      const encoded = toBase64Url(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString("base64url"));
      expect(fromBase64Url(encoded)).toEqual(bytes);
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64Url(all)).toBe(Buffer.from(all).toString("base64url"));
  });
});
