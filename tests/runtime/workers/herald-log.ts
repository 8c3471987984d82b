/**
 * setupFile of the inside-workerd projects: Herald's log lines are kept, not printed. The Worker, its
 * queue consumers and its Durable Objects run in the tests' isolate and write JSON lines through
 * console.log (core/logger.ts); a broadcast that fails 9,000 pushes on purpose wrote 9,000 of them,
 * each printed by vitest under a header of its own. They are kept the way tests/support/server.ts
 * keeps a Herald process's output: a passing test prints none, a failing one prints the last of them.
 * Other console output (a test's own figures) passes through.
 */
import { beforeEach } from "vitest";

/** Lines kept per test; the oldest go first (a 10,000-recipient broadcast logs ~10,000). */
const KEEP = 20_000;
/** Lines printed when a test fails. */
const SHOW = 200;

const kept: string[] = [];
const print = console.log.bind(console);

console.log = (...args: unknown[]) => {
  const [line] = args;
  if (args.length === 1 && typeof line === "string" && line.startsWith('{"time":')) {
    if (kept.length >= KEEP) kept.splice(0, KEEP / 10);
    kept.push(line);
    return;
  }
  print(...args);
};

beforeEach(({ onTestFailed }) => {
  kept.length = 0;
  onTestFailed(() => {
    const shown = kept.slice(-SHOW);
    print(`Herald's log during this test (${kept.length} lines${kept.length > SHOW ? `, the last ${SHOW}` : ""}):\n${shown.join("\n")}`);
  });
});

/** Herald's log lines since the current test began, oldest first. */
export function heraldLog(): readonly string[] {
  return kept;
}
