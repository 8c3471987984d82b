// Shared by the channel benches: a bounded pool of workers, and peers in their own process that
// speak JSON lines (so a peer's CPU is not billed to the sender it measures).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Runs `work(0)` … `work(count - 1)` with at most `concurrency` in flight, each worker taking the next index. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

/** A peer process started by `spawnJsonPeer`. */
export interface JsonPeer<Hello> {
  /** The first line the peer printed (its addresses, credentials). */
  hello: Hello;
  /** Writes `command` as one line to the peer's stdin and resolves with the next JSON line it prints. */
  ask<Answer>(command: string): Promise<Answer>;
  /** Closes the peer's stdin and kills it. */
  stop(): void;
}

/**
 * Starts `script` under tsx (`node --import tsx script ...args`, stderr shared), waits for its first
 * stdout line and parses it as JSON. Every later stdout line answers one `ask`, in order.
 *
 * @example
 * const peer = await spawnJsonPeer<{ url: string }>("bench/support/push-peer-process.ts");
 * const { count } = await peer.ask<{ count: number }>("count");
 */
export async function spawnJsonPeer<Hello>(script: string, args: string[] = []): Promise<JsonPeer<Hello>> {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout! });
  const waiters: ((answer: any) => void)[] = [];
  lines.on("line", (line) => waiters.shift()?.(JSON.parse(line)));
  const next = () => new Promise<any>((resolve) => waiters.push(resolve));
  const hello: Hello = await next();
  return {
    hello,
    async ask<Answer>(command: string) {
      const answer = next();
      proc.stdin!.write(`${command}\n`);
      return (await answer) as Answer;
    },
    stop() {
      proc.stdin!.end();
      proc.kill();
    },
  };
}
