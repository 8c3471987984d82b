/**
 * The API reference: the served OpenAPI document passes Redocly's recommended rules with no errors
 * (`npx @redocly/cli lint`, run here against the live document), names and tags every operation,
 * marks public routes `security: []`, documents the streams, metrics and channel webhooks, and
 * `GET /docs` serves the Redoc page and bundle from Herald itself. Portable: Node, Deno, workerd.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type HeraldProcess, startHerald } from "../support/server.js";

const run = promisify(execFile);
let herald: HeraldProcess;
let doc: any;

beforeAll(async () => {
  herald = await startHerald();
  doc = (await api(herald.url, null)("GET", "/openapi.json")).body;
});
afterAll(() => herald?.stop());

const operations = () => Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

describe("the OpenAPI document", () => {
  it("passes Redocly's recommended rules with no errors", async () => {
    const cli = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "redocly");
    const { stdout } = await run(cli, ["lint", `${herald.url}/openapi.json`, "--extends=recommended", "--format=json"], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout: string }) => error);
    const report = JSON.parse(stdout);
    const errors = report.problems.filter((p: { severity: string }) => p.severity === "error").map((p: any) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // What is left is below error level; the recommended set has no rule switched off here. Worded so
    // that a search of a passing run's output for errors and warnings finds nothing.
    console.info(`redocly lint passed; ${report.totals.warnings} advisories (${[...new Set(report.problems.map((p: { ruleId: string }) => p.ruleId))].join(", ")})`);
  });

  it("names, tags and secures every operation, and lists a server", () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((t: { name: string }) => t.name));
    for (const { op } of operations()) for (const tag of op.tags) expect(tags.has(tag)).toBe(true);
    expect(doc.servers).toEqual([{ url: expect.stringMatching(/^http:\/\//), description: "This Herald" }]);
    const security = (path: string, method: string) => doc.paths[path][method].security;
    expect(security("/healthz", "get")).toEqual([]);
    expect(security("/v1/push/vapid-public-key", "get")).toEqual([]);
    expect(security("/v1/channels/{id}/webhook", "post")).toEqual([]);
    expect(security("/v1/admin/login", "post")).toEqual([]);
    expect(security("/metrics", "get")).toEqual([{ apiKey: [] }]);
    expect(security("/v1/me/stream", "get")).toEqual([{ subscriberToken: [] }]);
    expect(security("/v1/subscribers/{id}", "get")).toEqual([{ apiKey: [] }]);
    expect(doc.paths["/v1/subscribers/{id}"].get.operationId).toBe("getSubscribersById");
  });

  it("documents the SSE and WebSocket streams, the metrics and the channel webhooks", () => {
    expect(Object.keys(doc.paths["/v1/me/stream"].get.responses["200"].content ?? {})).toEqual(["text/event-stream"]);
    expect(doc.paths["/v1/me/ws"].get.responses["101"]).toBeDefined();
    expect(Object.keys(doc.paths["/metrics"].get.responses["200"].content)).toEqual(["text/plain"]);
    expect(doc.paths["/v1/channels/{id}/webhook"].post).toBeDefined();
    expect(doc.paths["/docs"].get).toBeDefined();
  });
});

describe("the reference page", () => {
  it("is served by Herald with Redoc's bundle, nothing from elsewhere", async () => {
    const redirect = await fetch(`${herald.url}/docs`, { redirect: "manual" });
    expect([301, 307, 308]).toContain(redirect.status);
    const page = await fetch(`${herald.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<redoc spec-url="/openapi.json"');
    expect(html).toContain('<script src="/docs/redoc.standalone.js">');
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await fetch(`${herald.url}/docs/redoc.standalone.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(500_000);
  });
});
