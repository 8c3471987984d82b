/**
 * The Worker's bundle stays within Herald's budget: `wrangler deploy --dry-run` (the same build as a
 * deploy: wrangler.toml's aliases, the asset build, esbuild) must report at most 900 KiB gzip with
 * the email channel in it, and the modules kept out on purpose stay out (each is named, so a change
 * that brings one back fails here with its name rather than as a few KiB over budget).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zod from "zod";
import * as workerZod from "../../src/runtimes/cloudflare/bundle/zod.js";

/** Cloudflare's limit is 3 MiB gzip (free plan); Herald keeps a third of it, for start-up time. */
const BUDGET_GZIP_KIB = 900;

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "herald-bundle-"));
let report = "";
let inputs: string[] = [];

beforeAll(async () => {
  const { stdout, stderr } = await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--metafile", join(out, "meta.json")], { cwd: join(import.meta.dirname, "../.."), timeout: 120_000, maxBuffer: 16 << 20 });
  report = stdout + stderr;
  const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
  inputs = Object.values(meta.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([file]) => file));
}, 150_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the Worker bundle", () => {
  it(`is at most ${BUDGET_GZIP_KIB} KiB gzip, with the email channel in it`, () => {
    const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(report);
    expect(m, report).not.toBeNull();
    expect(Number(m![2])).toBeLessThanOrEqual(BUDGET_GZIP_KIB);
    expect(inputs.some((f) => f.includes("node_modules/mjml-core/"))).toBe(true);
    expect(inputs.some((f) => f.endsWith("src/channels/email/email.ts"))).toBe(true);
  });

  it("holds the zod locales Herald imports (src/core/http/problem-i18n.ts: English, Russian) and none of the other 62", () => {
    const locales = inputs.filter((f) => /node_modules\/zod\/.*locales\/(?!index)/.test(f));
    expect(locales.map((f) => f.replace(/.*\//, "")).sort()).toEqual(["en.js", "ru.js"]);
  });

  it("holds no web-push (VAPID is signed on WebCrypto), nor its ASN.1 and bignum libraries", () => {
    expect(inputs.filter((f) => /node_modules\/(web-push|jws|asn1\.js|bn\.js)\//.test(f))).toEqual([]);
  });

  it("holds none of mjml's minify and beautify modules, which Herald never asks mjml for", () => {
    expect(inputs.filter((f) => /node_modules\/(htmlnano|js-beautify|cssnano-preset-lite|cosmiconfig|js-yaml|typescript)\//.test(f))).toEqual([]);
  });
});

describe("the Worker's zod stand-in", () => {
  it("has zod's members, with both `locales` holding English only", () => {
    const own = new Set(["z", "default"]);
    expect(Object.keys(workerZod).filter((k) => !own.has(k)).sort()).toEqual(Object.keys(zod.z).sort());
    expect(Object.keys(workerZod.core).sort()).toEqual(Object.keys(zod.z.core).sort());
    expect(Object.keys(workerZod.locales)).toEqual(["en"]);
    expect(Object.keys(workerZod.core.locales)).toEqual(["en"]);
    for (const name of ["object", "string", "ZodType", "ZodError", "config", "toJSONSchema"] as const) expect(workerZod[name]).toBe(zod.z[name]);
    expect(workerZod.locales.en).toBe(zod.z.locales.en);
  });

  it("reports invalid input with zod's English messages", () => {
    const result = workerZod.z.object({ email: workerZod.z.email(), n: workerZod.z.number().max(3) }).safeParse({ email: "nope", n: 9 });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i: { message: string }) => i.message)).toEqual(["Invalid email address", "Too big: expected number to be <=3"]);
  });
});
