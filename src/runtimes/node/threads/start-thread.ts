/**
 * Starts a worker thread on a module file: how every Node worker thread of Herald starts (HTTP/2
 * connections, push senders, the WAL checkpointer), the same under `npm start` (tsx), vitest, the
 * bench scripts (tsx) and Deno.
 *
 * Herald runs from its TypeScript sources, and a worker thread on Node 20 gets no loader from its
 * parent: a `.ts` module starts behind boot.mjs, which registers tsx in the thread first. Deno runs
 * TypeScript itself, and a `.js` module needs nothing: those start directly.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

const BOOT = new URL("./boot.mjs", import.meta.url);
const onDeno = "Deno" in globalThis;

/**
 * A worker thread running `module` (a file URL). `options` as for `new Worker` (workerData,
 * resourceLimits…); `eval` is not one of them: a thread is a module file.
 *
 * @example
 * const worker = startThread(new URL("./http2-thread.ts", import.meta.url), { workerData: { … } });
 */
export function startThread(module: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  if (onDeno || !module.pathname.endsWith(".ts")) return new Worker(module, options);
  // The module's address is the thread's last argument (boot.mjs reads it from there).
  return new Worker(BOOT, { ...options, argv: [...(options.argv ?? []), module.href] });
}
