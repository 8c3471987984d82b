/**
 * Starts a real Herald process for integration tests and hands back its base URL. The runtime is
 * chosen by HERALD_TEST_RUNTIME (node by default) so one suite can run against each runtime.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledNodeMain } from "./node-build.js";

export const TEST_API_KEY = "hk_test_0123456789abcdef0123456789abcdef";
export const TEST_WEBHOOK_SECRET = "whsec_test_secret";
export const TEST_ADMIN_PASSWORD = "test admin password, not a secret";
/**
 * The secrets of a Herald created in the test process (`createHerald({ env: { ...TEST_SECRETS } })`).
 * Both set, so it generates neither: a generated admin password is printed to stdout, once per start.
 */
export const TEST_SECRETS = { HERALD_API_KEY: TEST_API_KEY, HERALD_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD };

export interface HeraldProcess {
  url: string;
  databaseUrl: string;
  proc: ChildProcess;
  logs: string[];
  /** workerd: the folder wrangler keeps its local D1 and Durable Objects in (`--persist-to`). */
  persistDir?: string;
  /** Graceful stop (SIGTERM) and wait. */
  stop(): Promise<void>;
  /** `kill -9`: no chance to clean up. */
  crash(): Promise<void>;
  /** Sends a signal to the process (and what it started) without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited, with its exit code (or the signal that ended it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. after a crash); a fresh temporary file otherwise. */
  databaseUrl?: string;
  /** Defaults to HERALD_TEST_RUNTIME, else node. */
  runtime?: Runtime;
}

export function tempDatabaseUrl(): string {
  return `file:${join(mkdtempSync(join(tmpdir(), "herald-test-")), "herald.db")}`;
}

export type Runtime = "node" | "deno" | "workerd";

/** A port nothing listens on right now (for a server that must come back on the same one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How to start Herald on each runtime, and how to recognise that it is ready. */
async function command(runtime: Runtime, env: Record<string, string>): Promise<{ cmd: string; args: string[]; ready: RegExp; persistDir?: string }> {
  const readyLine = /\{"msg":"ready","url":"([^"]+)"/;
  // The deno binary itself (node_modules/.bin/deno is it), so signals and exit codes are Deno's own.
  if (runtime === "deno") return { cmd: "node_modules/.bin/deno", args: ["run", "-A", "--quiet", "--sloppy-imports", "src/runtimes/deno/main.ts"], ready: readyLine };
  if (runtime === "workerd") {
    // wrangler passes settings as --var; the local D1 lives in a fresh folder per server.
    const persist = mkdtempSync(join(tmpdir(), "herald-workerd-"));
    const vars = Object.entries(env)
      .filter(([k]) => !["PORT", "DATABASE_URL", "PATH", "HOME"].includes(k))
      .flatMap(([k, v]) => ["--var", `${k}:${v}`]);
    const port = String(await freePort());
    return {
      // wrangler itself, not through npx: npx costs ~0.6 s of CPU a start, and the suite starts ~25.
      cmd: "node_modules/.bin/wrangler",
      args: ["dev", "--port", port, "--ip", "127.0.0.1", "--persist-to", persist, "--show-interactive-dev-session=false", "--inspector-port", String(await freePort()), ...vars],
      ready: /Ready on (http:\/\/[^\s]+)/,
      persistDir: persist,
    };
  }
  // The run's compiled sources when there are (node-build.ts: half the CPU of a start), else tsx.
  const compiled = await compiledNodeMain();
  return { cmd: process.execPath, args: compiled ? [compiled] : ["--import", "tsx", "src/runtimes/node/main.ts"], ready: readyLine };
}

export async function startHerald(options: StartOptions = {}): Promise<HeraldProcess> {
  const databaseUrl = options.databaseUrl ?? tempDatabaseUrl();
  const env: Record<string, string> = {
    PORT: "0",
    DATABASE_URL: databaseUrl,
    HERALD_API_KEY: TEST_API_KEY,
    HERALD_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    HERALD_ALLOW_PRIVATE_NETWORK: "1",
    HERALD_LOG_LEVEL: "warn",
    ...options.env,
  };
  const runtime = options.runtime ?? (process.env.HERALD_TEST_RUNTIME as Runtime | undefined) ?? "node";
  const { cmd, args, ready: readyPattern, persistDir } = await command(runtime, env);
  const proc = spawn(cmd, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it also stops what wrangler starts (workerd).
    detached: true,
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Herald did not start in 60 s:\n${logs.join("")}`)), 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      logs.push(text);
      const ready = readyPattern.exec(logs.join(""));
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Herald exited with ${code} before it was ready:\n${logs.join("")}`));
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    url,
    databaseUrl,
    proc,
    logs,
    persistDir,
    exited,
    signal: (signal) => signalGroup(proc, signal),
    async stop() {
      if (proc.exitCode === null) signalGroup(proc, "SIGTERM");
      const timer = setTimeout(() => signalGroup(proc, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async crash() {
      signalGroup(proc, "SIGKILL");
      await exited;
    },
  };
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-proc.pid!, signal);
  } catch {
    proc.kill(signal);
  }
}

/** A small client for the API in tests: JSON in, `{status, body, headers}` out. */
export function api(baseUrl: string, key: string | null = TEST_API_KEY) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
