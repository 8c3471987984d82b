/**
 * Measures how long the event loop is held at a time: a timer every `everyMs` records each gap
 * between its ticks, in wall time and in CPU time of the main thread (Linux: the thread's
 * `schedstat`, nanoseconds on a CPU). On a shared 2-core machine a busy neighbour stretches every
 * hold in wall time several-fold (a 60 ms plan part was seen taking 500 ms); the CPU the thread
 * spent in the gap is what the code held the loop for, whatever the load.
 */
import { readFileSync } from "node:fs";

export interface LoopHolds {
  /** The longest gap between two ticks, wall clock. */
  longestWallMs: number;
  /** The most main-thread CPU spent inside one gap (the wall figure where schedstat is not readable). */
  longestCpuMs: number;
  /** Gaps measured. */
  ticks: number;
  /** Main-thread CPU time from start to stop (undefined where schedstat is not readable). */
  cpuMs?: number;
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/** Main-thread CPU time so far in ms, or undefined where the kernel does not tell it. */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const probe = probeEventLoop();
 * await work();
 * const { longestCpuMs } = probe.stop();
 */
export function probeEventLoop(everyMs = 5): { stop(): LoopHolds } {
  let lastWall = performance.now();
  let lastCpu = threadCpuMs();
  const startCpu = lastCpu;
  const holds: LoopHolds = { longestWallMs: 0, longestCpuMs: 0, ticks: 0 };
  const timer = setInterval(() => {
    const wall = performance.now();
    const cpu = threadCpuMs();
    const wallGap = wall - lastWall;
    holds.longestWallMs = Math.max(holds.longestWallMs, wallGap);
    holds.longestCpuMs = Math.max(holds.longestCpuMs, cpu !== undefined && lastCpu !== undefined ? cpu - lastCpu : wallGap);
    holds.ticks++;
    lastWall = wall;
    lastCpu = cpu;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const cpu = threadCpuMs();
      return { ...holds, cpuMs: cpu !== undefined && startCpu !== undefined ? cpu - startCpu : undefined };
    },
  };
}
