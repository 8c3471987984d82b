/**
 * Herald on Node for the tests, from its sources compiled once per run. `npm start` runs them through
 * tsx, whose ESM loader answers every import from a thread of its own: a start costs ~2.2 s of CPU
 * and ~1.4 s to the ready line, against ~1.1 s and ~0.8 s from the same sources compiled ahead by
 * esbuild (the compiler tsx itself uses), measured on the 2-core machine; the suite starts Herald on
 * Node about 85 times. The first start of a run compiles `src/` into the run's folder (under a
 * second); every other top-level entry of the repository is linked there, so what Herald reads beside
 * its modules (assets, migrations, node_modules) is the checkout's. Worker threads still start from
 * their `.ts` files through tsx (runtimes/node/threads/start-thread.ts). `npm start` itself, tsx
 * included, is run as written by tests/integration/first-run.test.ts.
 *
 * The globalSetup below names the run's folder in HERALD_TEST_NODE_BUILD and removes it afterwards;
 * without it (a bench, a script) startHerald runs `node --import tsx` on the sources.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { transformSync } from "esbuild";

const ROOT = join(import.meta.dirname, "..", "..");
const VARIABLE = "HERALD_TEST_NODE_BUILD";

/** globalSetup of the node project: a folder for this run's build, made on the first start that needs it. */
export default function nodeBuildFolder(): () => void {
  mkdirSync(join(ROOT, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, "node_modules", ".cache", "herald-node-"));
  process.env[VARIABLE] = dir;
  return () => {
    delete process.env[VARIABLE];
    rmSync(dir, { recursive: true, force: true });
  };
}

/** The compiled Node entrypoint of this run, built by the first caller; undefined without a run folder. */
export async function compiledNodeMain(timeoutMs = 60_000): Promise<string | undefined> {
  const dir = process.env[VARIABLE];
  if (!dir || !existsSync(dir)) return undefined;
  const main = join(dir, "src", "runtimes", "node", "main.js");
  const ready = join(dir, "ready");
  try {
    // Whoever makes this folder builds; the others (other test files of the run) wait for `ready`.
    mkdirSync(join(dir, "building"));
  } catch {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(ready)) {
      if (existsSync(join(dir, "failed"))) throw new Error(readFileSync(join(dir, "failed"), "utf8"));
      if (Date.now() > deadline) throw new Error(`the Node build in ${dir} did not finish in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return main;
  }
  try {
    build(dir);
  } catch (error) {
    writeFileSync(join(dir, "failed"), `compiling src/ for the tests failed: ${(error as Error).stack ?? error}`);
    throw error;
  }
  writeFileSync(ready, "");
  return main;
}

function build(dir: string): void {
  const tsconfigRaw = readFileSync(join(ROOT, "tsconfig.json"), "utf8");
  const files = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name)]));
  for (const file of files(join(ROOT, "src"))) {
    if (file.endsWith(".test.ts")) continue;
    const out = join(dir, relative(ROOT, file));
    mkdirSync(dirname(out), { recursive: true });
    // The .ts stays beside its .js: worker threads are started on their .ts files.
    copyFileSync(file, out);
    if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
    const { code } = transformSync(readFileSync(file, "utf8"), { loader: "ts", format: "esm", tsconfigRaw, sourcefile: file });
    writeFileSync(out.replace(/\.ts$/, ".js"), code);
  }
  for (const entry of readdirSync(ROOT)) if (entry !== "src" && entry !== ".git") symlinkSync(join(ROOT, entry), join(dir, entry));
}
