import { describe, expect, it } from "vitest";
import { failureCode, failureKind } from "./failure-kinds.js";

describe("failure kinds", () => {
  it("tells setup gaps and recipients from provider failures by the error's code", () => {
    expect(failureKind(failureCode('not_configured: channel "mattermost" is not configured (missing MATTERMOST_WEBHOOK_URL)'))).toBe("configuration");
    expect(failureKind(failureCode("no_push_subscription: subscriber a has no push subscription"))).toBe("recipient");
    expect(failureKind(failureCode("no_address: the subscriber has no email address"))).toBe("recipient");
    expect(failureKind(failureCode("http_503: Service Unavailable"))).toBe("provider");
    expect(failureKind(failureCode("timeout: no answer in 10 s"))).toBe("provider");
    expect(failureKind(failureCode("seen before escalation"))).toBe("provider");
    expect(failureCode(null)).toBeNull();
  });
});
