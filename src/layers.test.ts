/**
 * The layers of src/ point one way. Every import (static, dynamic, type-only, re-export) of every
 * source file is checked against the rules below; tests and test peers (`*.peer.ts`: the real
 * counterparts a channel's tests talk to) are not (a test assembles layers the way a runtime does,
 * and may reach into any of them).
 *
 * - core is the engine on web standards: no runtime, no channel, no `node:` module, no package but
 *   the web-standard libraries it is built on.
 * - store is data access: nothing from core, channels, plugins, templates or runtimes. The shapes of
 *   the documents it keeps come from core by declaration merging (store/documents.ts).
 * - channels import no runtime: a runtime lends what a channel needs (socketChannels' guardedLookup).
 * - runtimes use channels through their public entries only: channels/index.ts (every channel)
 *   and channels/socket-channels.ts (the same with SMTP, for runtimes with TCP sockets).
 * - lib holds self-contained code (RFC 8291 encryption, byte encodings) any layer may use: it imports
 *   nothing from src/ outside lib.
 * - No code in strings: no `eval`, no `new Function`, no worker started from source text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = dirname(fileURLToPath(import.meta.url));

/** Packages core is built on: web standards only, the same on every runtime. */
// ipaddr.js: plain JavaScript address parsing, no I/O, the same on every runtime (the trusted-proxy check).
const CORE_PACKAGES = ["hono", "@hono/zod-openapi", "zod", "drizzle-orm", "@noble/hashes", "ipaddr.js"];
const CHANNEL_ENTRIES = new Set(["channels/index.ts", "channels/socket-channels.ts"]);

/**
 * Arrows that break a rule today and are being removed by work in progress. Each must still exist:
 * once it is gone, its line here goes too.
 */
const PENDING: Record<string, string> = {};

interface Arrow {
  from: string;
  /** A path under src/ for relative imports, else the specifier (a package or `node:` module). */
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !/\.(test|fixture|peer)\.ts$/.test(entry.name) ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({ path, name: relative(SRC, path), text: readFileSync(path, "utf8") }));

function arrowsOf(file: { path: string; name: string; text: string }): Arrow[] {
  return ts.preProcessFile(file.text, true, true).importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith(".")) return { from: file.name, to: fileName };
    // Imports name the compiled file (.js); the source is the .ts beside it.
    return { from: file.name, to: relative(SRC, resolve(dirname(file.path), fileName)).replace(/\.js$/, ".ts") };
  });
}

const layer = (path: string) => path.split("/")[0]!;
const packageOf = (specifier: string) => (specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);

/** What is wrong with an arrow, if anything. */
function broken({ from, to }: Arrow): string | undefined {
  const relativeImport = !to.startsWith("node:") && (to.includes("/") || to.endsWith(".ts")) && files.some((f) => f.name === to || to.startsWith(`${layer(f.name)}/`));
  const target = relativeImport ? layer(to) : undefined;
  switch (layer(from)) {
    case "core":
      if (to.startsWith("node:")) return "core imports no node: module";
      if (!relativeImport) return CORE_PACKAGES.includes(packageOf(to)) ? undefined : `core imports no vendor package (${packageOf(to)})`;
      if (target === "runtimes" || target === "channels") return `core imports no ${target}`;
      return undefined;
    case "store":
      if (target && !["store", "lib"].includes(target)) return `store imports nothing from ${target}`;
      return undefined;
    case "channels":
      if (target === "runtimes") return "channels import no runtime";
      return undefined;
    case "runtimes":
      if (target === "channels" && !CHANNEL_ENTRIES.has(to)) return "runtimes use channels through their public entries only";
      return undefined;
    case "lib":
      if (target && target !== "lib") return `lib imports nothing from ${target}`;
      return undefined;
  }
  return undefined;
}

/** `eval(…)`, `new Function(…)`, `new Worker(…, { eval: true })`. */
function codeInStrings(file: { name: string; text: string }): boolean {
  const source = ts.createSourceFile(file.name, file.text, ts.ScriptTarget.Latest);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "eval") found = true;
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "Function") found = true;
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === "eval" && node.initializer.kind === ts.SyntaxKind.TrueKeyword) found = true;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the layers of src/", () => {
  const arrows = files.flatMap(arrowsOf);
  const violations = [
    ...arrows.flatMap((arrow) => {
      const why = broken(arrow);
      return why ? [{ key: `${arrow.from} -> ${arrow.to}`, why }] : [];
    }),
    ...files.filter(codeInStrings).map((file) => ({ key: `${file.name}: code in a string`, why: "a worker is a module file; no eval, no new Function" })),
  ];

  it("reads every source file's imports", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(arrows).toContainEqual({ from: "runtimes/node/server.ts", to: "channels/socket-channels.ts" });
    expect(arrows).toContainEqual({ from: "core/stored-documents.ts", to: "core/schemas/rule.ts" });
  });

  it("has no arrow against the rules but those being removed", () => {
    expect(violations.filter((v) => !(v.key in PENDING)).map((v) => `${v.key}: ${v.why}`)).toEqual([]);
  });

  it("lists only pending arrows that still exist", () => {
    expect(Object.keys(PENDING).filter((key) => !violations.some((v) => v.key === key))).toEqual([]);
  });

  it("catches each kind of arrow it forbids", () => {
    const cases: [Arrow, RegExp][] = [
      [{ from: "channels/email/smtp-socket.ts", to: "runtimes/shared/guarded-lookup.ts" }, /no runtime/],
      [{ from: "runtimes/node/push/thread.ts", to: "channels/push/payload.ts" }, /public entries/],
      [{ from: "store/repositories/rules.ts", to: "core/schemas/rule.ts" }, /store imports nothing from core/],
      [{ from: "core/engine.ts", to: "runtimes/node/server.ts" }, /core imports no runtimes/],
      [{ from: "core/engine.ts", to: "channels/push/push.ts" }, /core imports no channels/],
      [{ from: "core/engine.ts", to: "node:crypto" }, /node: module/],
      [{ from: "core/engine.ts", to: "web-push" }, /vendor package/],
      [{ from: "lib/push-encrypt.ts", to: "core/encoding.ts" }, /lib imports nothing/],
    ];
    for (const [arrow, why] of cases) expect(broken(arrow)).toMatch(why);
    expect(broken({ from: "runtimes/node/server.ts", to: "channels/socket-channels.ts" })).toBeUndefined();
    expect(broken({ from: "core/engine.ts", to: "store/repositories/rules.ts" })).toBeUndefined();
    expect(codeInStrings({ name: "x.ts", text: 'new Worker("postMessage(1)", { eval: true });' })).toBe(true);
    expect(codeInStrings({ name: "x.ts", text: "// no new Function here\nconst f = () => 1;" })).toBe(false);
  });
});
