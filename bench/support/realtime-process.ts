// Server-process readings for bench/realtime, from /proc (Linux): resident memory and CPU time,
// and a wait for a server to go quiet so one phase's leftover work does not bleed into the next.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc CPU times (100 on Linux as built almost everywhere). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** VmRSS of a process, in KiB. */
export function rssKiB(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!line) throw new Error(`no VmRSS in /proc/${pid}/status (has the process exited?)`);
  return Number(line[1]);
}

/** User + system CPU time of a process so far, in milliseconds (a clock tick apart: 10 ms). */
export function cpuMs(pid: number): number {
  return (cpuTicks(pid) * 1000) / TICKS_PER_SECOND;
}

/** User + system CPU time of a process so far, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the process used under 5% of a core for two 250 ms samples in a row (or `maxMs`
 * passed), then `thenMs` more. Returns how long it took to go quiet.
 */
export async function settle(pid: number, options: { maxMs?: number; thenMs?: number } = {}): Promise<number> {
  const { maxMs = 60_000, thenMs = 2_000 } = options;
  const started = Date.now();
  let quiet = 0;
  let before = cpuTicks(pid);
  while (quiet < 2 && Date.now() - started < maxMs) {
    await sleep(250);
    const now = cpuTicks(pid);
    // Quiet: at most one tick used in 250 ms (under 5% of a core at 100 ticks a second).
    quiet = now - before <= Math.max(1, TICKS_PER_SECOND / 80) ? quiet + 1 : 0;
    before = now;
  }
  const quietAfter = Date.now() - started;
  await sleep(thenMs);
  return quietAfter;
}
