/**
 * One headless Chromium for the whole test run. Each browser test file launched its own (~2 s of CPU
 * and ~1.3 s before the first page, measured on the 2-core machine; the suite has ~25 such files);
 * now the first file that asks starts a browser server in a process of its own, and every file
 * connects to it. Each file still gets a browser of its own to close: `close()` on a connected browser
 * drops that file's contexts and connection, not the shared server.
 *
 * The globalSetup below names the run's folder in HERALD_TEST_BROWSER and stops the server at the end
 * of the run; without it (a script, a bench) `launchBrowser` launches a browser of its own as before.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type LaunchOptions } from "playwright-core";

const ROOT = join(import.meta.dirname, "..", "..");
const VARIABLE = "HERALD_TEST_BROWSER";

export const BROWSER_LAUNCH: LaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

/** globalSetup of the node project: a folder for this run's browser server, started by the first file that needs it. */
export default function sharedBrowserFolder(): () => void {
  mkdirSync(join(ROOT, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, "node_modules", ".cache", "herald-browser-"));
  process.env[VARIABLE] = dir;
  return () => {
    delete process.env[VARIABLE];
    const pid = existsSync(join(dir, "pid")) ? Number(readFileSync(join(dir, "pid"), "utf8")) : 0;
    if (pid > 0) {
      try {
        // The server's process group: the node process and the Chromium it launched.
        process.kill(-pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

export async function launchBrowser(timeoutMs = 60_000): Promise<Browser> {
  const dir = process.env[VARIABLE];
  if (!dir || !existsSync(dir)) return chromium.launch(BROWSER_LAUNCH);
  const endpoint = join(dir, "endpoint");
  try {
    // Whoever makes this folder starts the server; the others wait for its endpoint.
    mkdirSync(join(dir, "starting"));
    // Detached, so it outlives the test worker that started it; it stops when the run's main process is gone.
    spawn(process.execPath, [join(import.meta.dirname, "browser-server.mjs"), dir, String(process.ppid), JSON.stringify(BROWSER_LAUNCH)], { detached: true, stdio: "ignore" }).unref();
  } catch {
    /* started by another file */
  }
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(endpoint)) {
    if (existsSync(join(dir, "failed"))) throw new Error(readFileSync(join(dir, "failed"), "utf8"));
    if (Date.now() > deadline) throw new Error(`the shared browser in ${dir} did not start in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return chromium.connect(readFileSync(endpoint, "utf8"));
}
