// `npm run dev:worker`: Herald under workerd (wrangler dev) with a local D1, migrated on first request.
// Settings come from .dev.vars (wrangler's convention); PORT picks the port (default 8787).
import { spawn } from "node:child_process";

const port = process.env.PORT ?? "8787";
const args = ["wrangler", "dev", "--port", port, "--ip", process.env.HOST ?? "127.0.0.1", "--show-interactive-dev-session=false", ...process.argv.slice(2)];
const child = spawn("npx", args, { stdio: "inherit" });
child.on("exit", (code) => process.exit(code ?? 0));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
