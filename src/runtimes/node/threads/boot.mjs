/**
 * The first module of a worker thread whose own module is TypeScript (start-thread.ts starts it):
 * registers tsx in this thread, then loads that module (the last argument of this thread's argv).
 * Plain JavaScript because it runs before any loader: on Node 20 a worker thread does not inherit
 * the loader its parent was started with (`tsx`, `node --import tsx`), and a thread started from
 * vitest has none at all.
 *
 * tsx's CommonJS hooks rather than its ESM loader: those run in this thread, where the ESM loader
 * starts a hooks thread of its own; a push sender thread started in ~370 ms of CPU against ~570 ms
 * (6 starts each, same machine). Thread modules therefore use no top-level await.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
require("tsx/cjs/api").register();
require(fileURLToPath(process.argv[process.argv.length - 1]));
