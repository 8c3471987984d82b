import { describe, expect, it } from "vitest";
import { HeraldError, invalidRequest, notFound, ProblemError } from "./errors.js";
import { blockedAddress, isOutboundError } from "./net/outbound.js";

describe("the engine's one error type", () => {
  it("is what a request at fault and a failed outgoing call both throw, each with a stable code", () => {
    const problems = [invalidRequest("bad", [{ path: "a", message: "b" }]), notFound("rule", "r1"), new ProblemError(409, "template-in-use", "In use", "x")];
    for (const problem of problems) {
      expect(problem).toBeInstanceOf(HeraldError);
      expect(problem.code).toBe(problem.type);
      expect(problem.retryable).toBe(false);
    }
    const refused = blockedAddress("metadata.internal", "169.254.169.254");
    expect(refused).toBeInstanceOf(HeraldError);
    expect(refused).toMatchObject({ name: "HeraldError", code: "blocked_address", retryable: false });
    expect(isOutboundError(refused)).toBe(true);
    expect(isOutboundError(problems[0])).toBe(false);
  });
});
