import { describe, expect, it } from "vitest";
import { countSegments, fitToSegments, gsmCost } from "./segments.js";

describe("SMS segment counting", () => {
  it("knows the whole GSM-7 default alphabet (127 characters besides escape) and the extension table", () => {
    const basic =
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    expect([...basic]).toHaveLength(127);
    for (const c of basic) expect(gsmCost(c), JSON.stringify(c)).toBe(1);
    for (const c of "\f^{}\\[~]|€") expect(gsmCost(c), JSON.stringify(c)).toBe(2);
    // Look-alikes that are not GSM-7: lower-case c cedilla, backtick, curly quotes, the ellipsis, NBSP, Cyrillic "а".
    for (const c of "ç`‘’“”…\u00a0а") expect(gsmCost(c), JSON.stringify(c)).toBe(0);
  });

  it("fits 160 GSM-7 characters in one part and splits the 161st into parts of 153", () => {
    expect(countSegments("a".repeat(160))).toEqual({ encoding: "GSM-7", segments: 1, characters: 160, units: 160, unitsPerSegment: 160 });
    expect(countSegments("a".repeat(161))).toMatchObject({ segments: 2, unitsPerSegment: 153 });
    expect(countSegments("a".repeat(306)).segments).toBe(2);
    expect(countSegments("a".repeat(307)).segments).toBe(3);
    expect(countSegments("a".repeat(1530)).segments).toBe(10);
  });

  it("charges extension-table characters two septets", () => {
    expect(countSegments("€".repeat(80))).toMatchObject({ encoding: "GSM-7", segments: 1, characters: 80, units: 160 });
    expect(countSegments("€".repeat(81))).toMatchObject({ segments: 2, units: 162 });
    expect(countSegments("a".repeat(159) + "{")).toMatchObject({ segments: 2, units: 161 });
  });

  it("never splits an escape sequence across parts", () => {
    // 152 septets then "€" (2): it cannot straddle the 153 boundary, so it opens part 2 and part 1 carries 152.
    const text = "a".repeat(152) + "€" + "a".repeat(152);
    expect(countSegments(text)).toMatchObject({ units: 306, segments: 3 });
    // The same length without the escape fits exactly in two parts.
    expect(countSegments("a".repeat(306)).segments).toBe(2);
  });

  it("switches the whole message to UCS-2 for one character outside GSM-7, so Cyrillic costs more", () => {
    const latin = "Your order 1234 is with the courier and arrives today between 14:00 and 16:00.";
    const russian = "Ваш заказ 1234 передан курьеру и приедет сегодня с 14:00 до 16:00.";
    expect(countSegments(latin)).toMatchObject({ encoding: "GSM-7", segments: 1 });
    expect(countSegments(russian)).toMatchObject({ encoding: "UCS-2", segments: 1, characters: russian.length });
    const longRussian = russian + " Спасибо!";
    expect(longRussian.length).toBeGreaterThan(70);
    expect(countSegments(longRussian)).toMatchObject({ encoding: "UCS-2", segments: 2, unitsPerSegment: 67 });
    expect(countSegments("a".repeat(100)).segments).toBe(1);
    expect(countSegments("a".repeat(99) + "ж").segments).toBe(2);
  });

  it("fits 70 UCS-2 units in one part and 67 per part after that", () => {
    expect(countSegments("ж".repeat(70)).segments).toBe(1);
    expect(countSegments("ж".repeat(71)).segments).toBe(2);
    expect(countSegments("ж".repeat(134)).segments).toBe(2);
    expect(countSegments("ж".repeat(135)).segments).toBe(3);
  });

  it("counts emoji as two UTF-16 units and never splits a surrogate pair", () => {
    expect(countSegments("👍")).toEqual({ encoding: "UCS-2", segments: 1, characters: 1, units: 2, unitsPerSegment: 70 });
    expect(countSegments("👍".repeat(35)).segments).toBe(1);
    expect(countSegments("👍".repeat(36)).segments).toBe(2);
    // 66 units then a pair: the pair cannot take the 67th unit, so it moves to part 2 (33 + 1 pairs per part).
    const text = "ж".repeat(66) + "👍" + "ж".repeat(66);
    expect(countSegments(text)).toMatchObject({ units: 134, segments: 3 });
  });

  it("counts an empty text as no segments", () => {
    expect(countSegments("")).toMatchObject({ segments: 0, characters: 0, units: 0 });
  });

  it("cuts a text to the longest prefix that fits, between code points", () => {
    expect(fitToSegments("short", 1)).toBe("short");
    expect(fitToSegments("a".repeat(200), 1)).toBe("a".repeat(160));
    expect(fitToSegments("a".repeat(400), 2)).toBe("a".repeat(306));
    expect(fitToSegments("€".repeat(100), 1)).toBe("€".repeat(80));
    const emoji = fitToSegments("👍".repeat(50), 1);
    expect(emoji).toBe("👍".repeat(35));
    expect(countSegments(fitToSegments("ж".repeat(66) + "👍".repeat(100), 2)).segments).toBe(2);
    // Every cut keeps well-formed UTF-16: no lone surrogate.
    for (let n = 1; n <= 4; n++) expect(fitToSegments("x👍".repeat(200), n)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("never exceeds the budget it cuts to, whatever the mix", () => {
    const alphabet = ["a", "€", "ж", "👍", " ", "{", "é"];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: Math.floor(rnd() * 600) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
      const max = 1 + Math.floor(rnd() * 5);
      const cut = fitToSegments(text, max);
      expect(text.startsWith(cut)).toBe(true);
      expect(countSegments(cut).segments).toBeLessThanOrEqual(max);
      // Longest: one more code point would not fit (or the whole text was kept).
      if (cut !== text) {
        const next = [...text].slice(0, [...cut].length + 1).join("");
        const info = countSegments(next);
        if (info.encoding === countSegments(text).encoding) expect(info.segments).toBeGreaterThan(max);
      }
    }
  });
});

describe("SMS segment counting against a plain reference", () => {
  // The obvious implementation, code point by code point: slow but easy to check by eye.
  const EXT = "\f^{}\\[~]|€";
  const BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  function reference(text: string) {
    const chars = [...text];
    const gsm = chars.every((c) => BASIC.includes(c) || EXT.includes(c));
    const costs = chars.map((c) => (gsm ? (EXT.includes(c) ? 2 : 1) : c.length));
    const [single, multi] = gsm ? [160, 153] : [70, 67];
    const units = costs.reduce((a, b) => a + b, 0);
    let segments = units === 0 ? 0 : 1;
    if (units > single) {
      let used = 0;
      for (const c of costs) {
        if (used + c > multi) (segments++, (used = 0));
        used += c;
      }
    }
    return { encoding: gsm ? "GSM-7" : "UCS-2", segments, characters: chars.length, units };
  }

  it("agrees on thousands of random mixes of plain, escaped, Cyrillic and astral characters", () => {
    const alphabet = ["a", "Z", " ", "\n", "€", "{", "]", "é", "Ç", "ж", "Я", "👍", "𝄞", "ç", "\u00a0"];
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const pool = rnd() < 0.5 ? alphabet.slice(0, 7) : alphabet; // half stay GSM-7
      const text = Array.from({ length: Math.floor(rnd() * 700) }, () => pool[Math.floor(rnd() * pool.length)]).join("");
      expect(countSegments(text), JSON.stringify(text.slice(0, 40))).toMatchObject(reference(text));
    }
  });
});
