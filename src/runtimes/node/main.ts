/**
 * `npm start`: Herald on Node. Settings come from the environment (see README).
 */
import { startNode } from "./server.js";

const running = await startNode();
// Machine-readable line for process supervisors and the test harness.
console.log(JSON.stringify({ msg: "ready", url: running.url }));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    running.close().then(() => process.exit(0));
  });
}
