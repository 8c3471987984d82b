import { describe, expect, it } from "vitest";
import { threadMailbox } from "./thread-mailbox.js";

describe("threadMailbox", () => {
  it("delivers a full batch at once and the rest at the end of the turn, in order", async () => {
    const batches: number[][] = [];
    const mailbox = threadMailbox<number>((batch) => batches.push(batch), 3);
    for (let i = 1; i <= 5; i++) mailbox.post(i);
    expect(batches).toEqual([[1, 2, 3]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it("hands back what was never delivered", async () => {
    const batches: number[][] = [];
    const mailbox = threadMailbox<number>((batch) => batches.push(batch), 3);
    mailbox.post(1);
    mailbox.post(2);
    expect(mailbox.takeWaiting()).toEqual([1, 2]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([]);
  });
});
