import { describe, expect, it } from "vitest";
import type { DeliveryContext } from "../../store/repositories/deliveries.js";
import { StepCondition } from "../schemas/rule.js";
import { matchesStepCondition } from "./conditions.js";
import { stepConditionDocument } from "./step-conditions.js";

function context(over: { seenAt?: number | null; readAt?: number | null } = {}): DeliveryContext {
  return {
    delivery: { id: "d1", notificationId: "n1", step: 2, channel: "sms", template: "t", unlessSeen: false, status: "pending", attempts: 0, lastError: null, providerMessageId: null, createdAt: 0, updatedAt: 0 },
    notification: { id: "n1", eventId: "e1", ruleId: "r1", subscriberId: "s1", createdAt: 0, seenAt: over.seenAt ?? null, readAt: over.readAt ?? null },
    event: { id: "e1", type: "order.courier", body: { topic: "order:1", data: { total: 150 } }, receivedAt: 0, plannedAt: 0 },
    subscriber: { id: "s1", name: "Ann", email: null, phone: "+15005550100", locale: null, timezone: null, data: { vip: true }, createdAt: 0, updatedAt: 0 },
    rule: null,
    preferences: null,
  };
}
const steps = [
  { step: 0, channel: "push", status: "failed" },
  { step: 1, channel: "realtime", status: "sent" },
];

describe("step conditions", () => {
  it("read data, subscriber.data, event, the other steps and the notification's seen/read state", () => {
    const doc = stepConditionDocument(context(), steps);
    expect(matchesStepCondition({ "data.total": { gte: 100 }, "subscriber.data.vip": true, "event.type": "order.courier", "event.topic": "order:1" }, doc)).toBe(true);
    expect(matchesStepCondition({ "steps.0.status": { in: ["failed", "dead"] }, "steps.1.channel": "realtime", "notification.seen": false }, doc)).toBe(true);
    expect(matchesStepCondition({ "steps.5.status": { exists: true } }, doc)).toBe(false);
    expect(matchesStepCondition({ "notification.seen": true }, stepConditionDocument(context({ seenAt: 1 }), steps))).toBe(true);
    // Reading implies seeing.
    expect(matchesStepCondition({ "notification.seen": true, "notification.read": true }, stepConditionDocument(context({ readAt: 1 }), steps))).toBe(true);
  });

  it("combine with and, or and not", () => {
    const doc = stepConditionDocument(context(), steps);
    expect(matchesStepCondition({ and: [{ "subscriber.data.vip": true }, { "steps.0.status": "failed" }] }, doc)).toBe(true);
    expect(matchesStepCondition({ and: [{ "subscriber.data.vip": true }, { "steps.0.status": "sent" }] }, doc)).toBe(false);
    expect(matchesStepCondition({ or: [{ "steps.0.status": "sent" }, { "data.total": { gt: 100 } }] }, doc)).toBe(true);
    expect(matchesStepCondition({ not: { "notification.read": true } }, doc)).toBe(true);
    expect(matchesStepCondition({ not: { or: [{ "steps.1.status": "sent" }, { "data.total": 0 }] } }, doc)).toBe(false);
    expect(matchesStepCondition(undefined, doc)).toBe(true);
  });

  it("allow three levels of nesting and no more", () => {
    expect(StepCondition.safeParse({ and: [{ or: [{ not: { "data.x": 1 } }] }] }).success).toBe(true);
    expect(StepCondition.safeParse({ and: [{ or: [{ not: { not: { "data.x": 1 } } }] }] }).success).toBe(false);
    expect(StepCondition.safeParse({ and: [] }).success).toBe(false);
  });
});
