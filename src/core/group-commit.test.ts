import { describe, expect, it } from "vitest";
import { createGroupCommit } from "./group-commit.js";

describe("group commit", () => {
  it("writes items that arrive during a commit together in the next one", async () => {
    const commits: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const group = createGroupCommit<number>(async (items) => {
      commits.push(items);
      if (commits.length === 1) await gate;
    });
    const first = group.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const rest = [2, 3, 4].map((n) => group.submit(n));
    release();
    await Promise.all([first, ...rest]);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it("rejects a lone failed member and keeps going", async () => {
    let fail = true;
    const group = createGroupCommit<number>(async () => {
      if (fail) {
        fail = false;
        throw new Error("disk full");
      }
    });
    const a = group.submit(1);
    await expect(a).rejects.toThrow("disk full");
    await expect(group.submit(2)).resolves.toBeUndefined();
  });

  it("refuses only the member that makes a commit fail; the rest of its group is committed once", async () => {
    const committed: number[] = [];
    const group = createGroupCommit<number>(async (items) => {
      if (items.includes(37)) throw new Error("malformed JSON");
      committed.push(...items);
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, n) => group.submit(n)));
    const refused = outcomes.flatMap((o, n) => (o.status === "rejected" ? [[n, (o.reason as Error).message]] : []));
    expect(refused).toEqual([[37, "malformed JSON"]]);
    expect(committed.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n).filter((n) => n !== 37));
  });

  it("isolates several bad members of one group, each with its own error", async () => {
    const bad = new Set([0, 500, 501, 1999]);
    const committed = new Set<number>();
    const group = createGroupCommit<number>(async (items) => {
      const culprit = items.find((n) => bad.has(n));
      if (culprit !== undefined) throw new Error(`bad ${culprit}`);
      for (const n of items) committed.add(n);
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 2000 }, (_, n) => group.submit(n)));
    const refused = outcomes.flatMap((o, n) => (o.status === "rejected" ? [`${n}: ${(o.reason as Error).message}`] : []));
    expect(refused).toEqual(["0: bad 0", "500: bad 500", "501: bad 501", "1999: bad 1999"]);
    expect(committed.size).toBe(1996);
  });

  it("gives up isolating when the store fails every commit, within its bound of failed commits", async () => {
    let calls = 0;
    const group = createGroupCommit<number>(async () => {
      calls++;
      throw new Error("SQLITE_FULL: database or disk is full");
    }, { maxFailedCommits: 20 });
    const outcomes = await Promise.allSettled(Array.from({ length: 2000 }, (_, n) => group.submit(n)));
    expect(outcomes.every((o) => o.status === "rejected" && /SQLITE_FULL/.test(String(o.reason)))).toBe(true);
    expect(calls).toBe(20);
    // The next group starts with a fresh budget.
    await expect(group.submit(1)).rejects.toThrow("SQLITE_FULL");
    expect(calls).toBe(21);
  });

  it("lets requests that arrive together share the first commit", async () => {
    const commits: number[][] = [];
    const group = createGroupCommit<number>(async (items) => void commits.push(items));
    await Promise.all([1, 2, 3].map((n) => group.submit(n)));
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it("splits very large groups", async () => {
    const sizes: number[] = [];
    const group = createGroupCommit<number>(async (items) => void sizes.push(items.length), { maxItems: 3 });
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => group.submit(n)));
    expect(sizes).toEqual([3, 3, 1]);
  });
});
