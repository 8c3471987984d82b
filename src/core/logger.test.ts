import { describe, expect, it } from "vitest";
import { jsonLogger, redactText } from "./logger.js";

const token = "eyJzdWIiOiJhbGljZSIsImV4cCI6MjAwMDAwMDAwMH0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl";

describe("log lines", () => {
  it.each([
    [`/v1/unsubscribe/${token}`, "/v1/unsubscribe/[redacted]"],
    [`/v1/unsubscribe/opaque-token-text?x=1`, "/v1/unsubscribe/[redacted]?x=1"],
    [`/v1/me/stream?after=3&token=${token}`, "/v1/me/stream?after=3&token=[redacted]"],
    ["https://gw.example/send?api_key=k3y&to=1", "https://gw.example/send?api_key=[redacted]&to=1"],
    ["https://x.example/cb?access_token=abc&sig=def", "https://x.example/cb?access_token=[redacted]&sig=[redacted]"],
    ["Authorization: Bearer hk_abcdefghijklmnopqrstuvwxyz012345", "Authorization: Bearer [redacted]"],
    ["key hk_abcdefghijklmnopqrstuvwxyz012345 leaked", "key hk_[redacted] leaked"],
    ["secret whsec_c2VjcmV0LXZhbHVl in config", "secret whsec_[redacted] in config"],
    [`receipt ${token} in a message`, "receipt [redacted token] in a message"],
    ["smtp://user:p%40ss@mail.example:587", "smtp://[redacted]@mail.example:587"],
    ["/v1/events/order-1234", "/v1/events/order-1234"],
    ["alice@example.com bounced", "alice@example.com bounced"],
  ])("mask %s", (text, masked) => {
    expect(redactText(text)).toBe(masked);
  });

  it("carry no secret in any field, nested ones included, and stay one line whatever a value holds", () => {
    const lines: string[] = [];
    const logger = jsonLogger({ write: (line) => lines.push(line), clock: () => 0 });
    logger.log("info", "request", { path: `/v1/unsubscribe/${token}`, nested: { url: `wss://h/v1/me/ws?token=${token}`, list: [`Bearer ${token}`] }, apiKey: "hk_x", note: 'a\n{"level":"error","msg":"forged"}' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(token.slice(0, 20));
    expect(lines[0]).not.toContain("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ path: "/v1/unsubscribe/[redacted]", nested: { url: "wss://h/v1/me/ws?token=[redacted]", list: ["Bearer [redacted]"] }, apiKey: "[redacted]" });
  });
});
