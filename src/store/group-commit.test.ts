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

  it("rejects every caller of a failed commit and keeps going", async () => {
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
