/**
 * `npm start`: Herald on Node. Settings come from the environment (see README).
 */
import { HeraldError } from "../../core/errors.js";
import { jsonLogger } from "../../core/logger.js";
import { SHUTDOWN_MARGIN_MS } from "../shared/shutdown.js";
import { startNode, type RunningNode } from "./server.js";

const logger = jsonLogger();
let running: RunningNode;
try {
  running = await startNode();
} catch (error) {
  // A refused start (the database file in use, a bad setting) is a message, not a stack trace.
  if (!(error instanceof HeraldError)) throw error;
  logger.log("error", error.message, { code: error.code });
  process.exit(1);
}
// Machine-readable line for process supervisors and the test harness.
console.log(JSON.stringify({ msg: "ready", url: running.url }));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  // Once: a second signal ends the process at once (the default action).
  process.once(sig, () => {
    setTimeout(() => {
      logger.log("error", "shutdown overran its grace; exiting anyway");
      process.exit(1);
    }, running.graceMs + SHUTDOWN_MARGIN_MS).unref();
    running.close().then(
      () => process.exit(0),
      (error) => {
        logger.log("error", "shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  });
}
