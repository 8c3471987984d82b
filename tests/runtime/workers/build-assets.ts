/**
 * globalSetup of the inside-workerd project: wrangler.toml's [assets] folder must exist before
 * workerd starts (`wrangler dev` builds it itself). Built here, when this project runs, and not while
 * the config loads, so other projects (and `npm run test:unit`) do not pay for it.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildWorkerAssets(): void {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  execFileSync(process.execPath, ["--import", "tsx", "scripts/build-worker-assets.mjs"], { cwd: root, stdio: "ignore" });
}
