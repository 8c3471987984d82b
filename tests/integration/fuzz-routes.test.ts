/**
 * Every route in `GET /openapi.json`, walked with malformed input by fast-check against a real Herald
 * over HTTP: wrong types, missing fields, huge strings, deep nesting, invalid UTF-8, wrong content
 * types, oversize and chunked bodies, odd path segments and query values. Requests carry the
 * credentials the route asks for (API key or admin session, subscriber token, event signature), so
 * they get past authentication into validation and the handlers. No answer may be a 5xx; every 4xx
 * is problem+json with `type`, `title` and `status`; the server still serves valid requests after.
 *
 * HERALD_FUZZ_RUNS (random requests per route, default 40) and HERALD_FUZZ_SEED (default 14) pick
 * the walk; a failure prints the seed and the request to repeat it.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { svixSignature } from "../../src/channels/email/resend.js";
import { signedPayload } from "../../src/channels/sms/twilio-signature.js";
import {
  freeFormPlaces,
  hostileFreeForm,
  hostileQueryValue,
  hostileSegment,
  hostileValue,
  type KnownValues,
  mutate,
  type OpenApiDoc,
  placeAt,
  RawJson,
  type Schema,
  toJsonText,
  valueFor,
} from "../support/openapi-arbitrary.js";
import { type RawRequest, type RawResponse, sendRaw } from "../support/raw-http.js";
import { api, type HeraldProcess, startHerald, TEST_API_KEY, TEST_WEBHOOK_SECRET } from "../support/server.js";

const RUNS = Number(process.env.HERALD_FUZZ_RUNS ?? 40);
const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 14);
const PASSWORD = "fuzz admin password";
const TWILIO_TOKEN = "fuzz-twilio-auth-token";
const EMAIL_SECRET = `whsec_${Buffer.from("fuzz-email-webhook-secret").toString("base64")}`;
const MAX_BODY = 256 * 1024;

let herald: HeraldProcess;
let call: ReturnType<typeof api>;
let doc: OpenApiDoc;
/** What the seeded records are called, and the credentials of the moment (refreshed before each route). */
const known: KnownValues = {};
const creds = { subscriberToken: "", cookie: "", csrf: "" };

beforeAll(async () => {
  herald = await startHerald({
    env: {
      HERALD_ADMIN_PASSWORD: PASSWORD,
      // The walk posts wrong passwords by the dozen; the session the test needs must stay reachable.
      HERALD_ADMIN_LOGIN_ATTEMPTS: "1000000",
      HERALD_RETRY_MAX_ATTEMPTS: "1",
      // Channels with webhooks, configured so their webhook routes exist; nothing listens at port 9.
      TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000",
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: "+15550000000",
      TWILIO_API_URL: "http://127.0.0.1:9",
      EMAIL_FROM: "Fuzz <fuzz@example.com>",
      EMAIL_API_KEY: "re_fuzz",
      EMAIL_API_URL: "http://127.0.0.1:9",
      EMAIL_WEBHOOK_SECRET: EMAIL_SECRET,
    },
  });
  call = api(herald.url);
  doc = (await call("GET", "/openapi.json")).body;
});
afterAll(async () => {
  await herald?.stop();
});

/** Puts back what the walk may have deleted or ended: records with known ids, a token, an admin session. */
async function seed() {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    if (res.status >= 300) throw new Error(`seeding ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await ok("PUT", "/v1/subscribers/fz-sub", { name: "Fuzz", email: "fz@example.com", phone: "+15550000001", locale: "en", data: { plan: "pro" } });
  await ok("PUT", "/v1/templates/fz-tpl", { channels: { realtime: { title: "Hi {{subscriber.name}}", body: "{{data.n}}" }, push: { title: "Hi", body: "{{data.n}}" }, sms: { text: "{{data.n}}" } } });
  await ok("PUT", "/v1/rules/fz-rule", { event: "fz.event", steps: [{ channel: "realtime", template: "fz-tpl" }] });
  await ok("PUT", "/v1/topics/fz-topic", { name: "Fuzz room", allowMemberMessages: true });
  await ok("PUT", "/v1/topics/fz-topic/subscribers/fz-sub");
  await ok("POST", "/v1/events", { id: "fz-evt", type: "fz.event", to: "fz-sub", data: { n: 1 } });
  creds.subscriberToken = (await ok("POST", "/v1/subscribers/fz-sub/tokens", {})).token;
  const session = await sendRaw(herald.url, { method: "GET", path: "/v1/admin/session", headers: { cookie: creds.cookie } });
  if (!JSON.parse(session.body).authenticated) {
    const login = await sendRaw(herald.url, { method: "POST", path: "/v1/admin/login", headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ password: PASSWORD })) });
    if (login.status !== 200) throw new Error(`admin login: ${login.status} ${login.body}`);
    creds.cookie = String(login.headers["set-cookie"]).split(";")[0]!;
    creds.csrf = JSON.parse(login.body).csrfToken;
  }
  known.broadcast ??= [(await ok("POST", "/v1/broadcasts", { content: { title: "Fuzz", body: "hello" }, audience: { topic: "fz-topic" } })).id];
  const inbox = await api(herald.url, creds.subscriberToken)("GET", "/v1/me/notifications");
  const event = await ok("GET", "/v1/events/fz-evt");
  const deliveryIds = event.notifications.flatMap((n: any) => n.deliveries.map((d: any) => d.id));
  Object.assign(known, {
    id: ["fz-sub", "fz-rule", "fz-evt", "sms", "email", ...known.broadcast!, ...(inbox.body.items ?? []).slice(0, 2).map((i: any) => i.id), ...deliveryIds.slice(0, 1)],
    key: ["fz-tpl", "fz-topic"],
    subscriberId: ["fz-sub"],
    senderId: ["fz-sub"],
    version: ["1"],
    template: ["fz-tpl"],
    topic: ["fz-topic"],
    channel: ["realtime", "push", "sms", "email"],
    channels: ["realtime", "push", "sms", "email"],
    categories: ["orders", "broadcasts"],
    event: ["fz.event"],
    type: ["fz.event"],
    to: ["fz-sub"],
    locale: ["en", "ru"],
    locales: ["en", "ru"],
    timezone: ["Europe/Moscow", "UTC"],
    field: ["data.plan", "locale"],
    "#/components/schemas/BroadcastInput": [
      { template: "fz-tpl", audience: { topic: "fz-topic" }, data: { n: 1 } },
      { content: { title: "Hi {{subscriber.name}}", body: "{{data.n}}" }, audience: { all: true }, channels: ["realtime"] },
      { template: "fz-tpl", audience: { field: "data.plan", value: "pro" }, sendAt: new Date(Date.now() + 60_000).toISOString() },
    ],
    "#/components/schemas/RuleInput": [{ event: "fz.event", to: { subscriber: "{{data.who}}" }, if: { "data.n": { gte: 1 } }, steps: [{ channel: "realtime", template: "fz-tpl" }, { channel: "sms", template: "fz-tpl", fallback: true }] }],
  });
}

interface Operation {
  method: string;
  path: string;
  op: Record<string, any>;
}

function operations(): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

/** The credential sets a route accepts, and a few wrong ones. */
/** What an HTTP client can put in a header value at all (Node refuses control characters). */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e]/g, "");

type Credentials = { headers: Record<string, string>; sign?: boolean };

function credentialsFor(op: Record<string, any>): fc.Arbitrary<Credentials> {
  const schemes = new Set<string>((op.security ?? []).flatMap((s: Record<string, unknown>) => Object.keys(s)));
  const good: Credentials[] = [];
  if (schemes.has("apiKey")) good.push({ headers: { authorization: `Bearer ${TEST_API_KEY}` } }, { headers: { cookie: creds.cookie, "x-herald-csrf": creds.csrf } });
  if (schemes.has("subscriberToken")) good.push({ headers: { authorization: `Bearer ${creds.subscriberToken}` } });
  if (schemes.has("signature")) good.push({ headers: {}, sign: true });
  if (good.length === 0) good.push({ headers: {} });
  const wrong = fc.oneof(
    fc.constantFrom<Record<string, string>>({ authorization: "Bearer " }, { authorization: "Basic Zm9vOmJhcg==" }, { cookie: "herald_admin=forged" }, { cookie: creds.cookie }, { "x-herald-signature": "t=1,v1=zz" }),
    fc.string({ unit: "binary-ascii", maxLength: 60 }).map((t) => ({ authorization: `Bearer ${headerSafe(t)}` })),
  );
  return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: wrong.map((headers): Credentials => ({ headers })) });
}

const CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/xml", "application/json, text/plain", "", ";;;"];

/** Bodies that are not JSON at all, as bytes. */
const rawBodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom("", " ", "{", '{"a":', "[1,]", "nul", "\ufeff{}", "{}{}", '{"a":1,"a":2}', "a=1&b=2", "--x\r\nContent-Disposition: form-data\r\n\r\n1\r\n--x--").map((s) => Buffer.from(s)),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from("{\"a\":\"\u0000\"}")),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom(`{"a":${"[".repeat(60_000)}${"]".repeat(60_000)}}`, `${"{\"a\":".repeat(30_000)}1${"}".repeat(30_000)}`).map((s) => Buffer.from(s)),
);

function jsonSchemaOf(op: Record<string, any>): Schema | undefined {
  return op.requestBody?.content?.["application/json"]?.schema;
}

/** `value` with `bad` in one of its free-form places (event `data`, say), or at any place when it has none. */
function plantInFreeForm(schema: Schema, value: unknown, pick: number, bad: unknown): unknown {
  const places = freeFormPlaces(doc, schema, value);
  return places.length > 0 ? placeAt(value, places[pick % places.length]!, bad) : mutate(value, pick, bad, false);
}

/** A hostile or valid request for `operation`. */
function requestFor({ method, path, op }: Operation): fc.Arbitrary<RawRequest & { sign?: boolean }> {
  const parameters: Schema[] = op.parameters ?? [];
  const pathParams = parameters.filter((p) => p.in === "path");
  const queryParams = parameters.filter((p) => p.in === "query");
  const headerParams = parameters.filter((p) => p.in === "header");
  const segment = (p: Schema) => fc.oneof({ weight: 3, arbitrary: valueFor(doc, p.schema ?? {}, known, p.name).map((v) => encodeURIComponent(String(v))) }, { weight: 2, arbitrary: hostileSegment });
  const queryValue = (p: Schema) => fc.oneof(valueFor(doc, p.schema ?? {}, known, p.name).map((v) => encodeURIComponent(String(v))), hostileQueryValue);
  const schema = jsonSchemaOf(op);
  const valid = schema ? valueFor(doc, schema, known) : fc.constant({});
  const json = fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 4, arbitrary: fc.tuple(valid, fc.nat(), hostileValue, fc.boolean()).map(([v, pick, bad, remove]) => mutate(v, pick, bad, remove)) },
    { weight: schema ? 3 : 0, arbitrary: fc.tuple(valid, fc.nat(), hostileFreeForm).map(([v, pick, bad]) => plantInFreeForm(schema!, v, pick, bad)) },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: valid.map((v) => [v]) },
  );
  const body: fc.Arbitrary<Buffer | undefined> = fc.oneof(
    { weight: schema || method !== "GET" ? 8 : 1, arbitrary: json.map((v) => Buffer.from(v instanceof RawJson ? v.text : toJsonText(v))) },
    { weight: 2, arbitrary: rawBodies },
    { weight: schema ? 1 : 6, arbitrary: fc.constant(undefined) },
  );
  return fc
    .record({
      segments: fc.tuple(...pathParams.map(segment), fc.constant("")),
      query: fc.tuple(...queryParams.map((p) => fc.option(queryValue(p).map((v) => `${encodeURIComponent(p.name)}=${v}`), { nil: undefined })), fc.constant(undefined)),
      extraQuery: fc.option(fc.oneof(fc.constantFrom("token=x", "after=1&after=2", "%=%", "a[b]=1", "__proto__[x]=1", "&&&", "=", "limit=1&limit=x")), { nil: undefined }),
      headerValues: fc.tuple(...headerParams.map((p) => fc.option(fc.string({ unit: "binary-ascii", maxLength: 300 }).map((s) => [p.name as string, headerSafe(s)] as const), { nil: undefined })), fc.constant(undefined)),
      credentials: credentialsFor(op),
      contentType: fc.oneof({ weight: 9, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      body,
      chunked: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map((r) => {
      let i = 0;
      const filled = path.replace(/\{[^}]+\}/g, () => r.segments[i++] ?? "");
      const query = [...r.query.filter(Boolean), ...(r.extraQuery ? [r.extraQuery] : [])].join("&");
      const headers: Record<string, string> = { ...r.credentials.headers };
      for (const h of r.headerValues) if (h) headers[h[0]] = h[1];
      if (r.body !== undefined && r.contentType) headers["content-type"] = r.contentType;
      return { method, path: query ? `${filled}?${query}` : filled, headers, body: r.body, chunked: r.chunked, sign: r.credentials.sign };
    });
}

/** Signs what a route would have signed by its caller: events (HERALD_WEBHOOK_SECRET), provider webhooks. */
async function signed(req: RawRequest & { sign?: boolean }): Promise<RawRequest> {
  const headers = { ...req.headers };
  const body = req.body?.toString("utf8") ?? "";
  const now = Math.floor(Date.now() / 1000);
  if (req.sign) headers["x-herald-signature"] = `t=${now},v1=${createHmac("sha256", TEST_WEBHOOK_SECRET).update(`${now}.${body}`).digest("hex")}`;
  if (req.path.startsWith("/v1/channels/sms/webhook")) headers["x-twilio-signature"] = createHmac("sha1", TWILIO_TOKEN).update(signedPayload(herald.url + req.path, body)).digest("base64");
  if (req.path.startsWith("/v1/channels/email/webhook")) {
    Object.assign(headers, { "svix-id": "msg_fuzz", "svix-timestamp": String(now), "svix-signature": `v1,${await svixSignature(EMAIL_SECRET, `msg_fuzz.${now}.${body}`)}` });
  }
  return { ...req, headers };
}

/** Answers per route and status, printed with HERALD_FUZZ_VERBOSE=1: shows how far requests got. */
const seen = new Map<string, Map<number, number>>();

/** What is wrong with an answer, if anything. */
function fault(res: RawResponse, route: string): string | undefined {
  const counts = seen.get(route) ?? seen.set(route, new Map()).get(route)!;
  counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
  if (res.status >= 500) return `answered ${res.status}: ${res.body.slice(0, 500)}`;
  if (res.status < 400) return undefined;
  if (!String(res.headers["content-type"]).startsWith("application/problem+json")) return `${res.status} as ${res.headers["content-type"]}: ${res.body.slice(0, 300)}`;
  try {
    const problem = JSON.parse(res.body);
    if (typeof problem.type !== "string" || typeof problem.title !== "string" || problem.status !== res.status) return `${res.status} problem without type, title and status: ${res.body.slice(0, 300)}`;
  } catch {
    return `${res.status} problem+json that is not JSON: ${res.body.slice(0, 300)}`;
  }
  return undefined;
}

function describeRequest(req: RawRequest): string {
  const body = req.body ? `${req.body.length} bytes${req.chunked ? " chunked" : ""}: ${req.body.toString("utf8").slice(0, 200)}` : "no body";
  return `${req.method} ${req.path.slice(0, 300)} [${JSON.stringify(req.headers).slice(0, 300)}] ${body}`;
}

/** Paths for `path` with the first known values of its parameters (every combination, a few at most). */
function knownPaths(path: string): string[] {
  let paths = [path];
  for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
    const values = (known[name!] ?? ["fz-sub"]).slice(0, 2).map((v) => encodeURIComponent(String(v)));
    paths = paths.flatMap((p) => values.map((v) => p.replace(`{${name}}`, v)));
  }
  return paths;
}

/**
 * Valid bodies for the route (from the walk's own generator, each one the server accepted) with every
 * free-form object in them nested 1,000 and 20,000 levels deep: SQLite's JSON parser stops at 1,000,
 * JSON.stringify at about 10,000. Fixed, so this class of bug stays covered whatever the seed.
 */
async function deepRequests({ method, path, op }: Operation, headers: Record<string, string>): Promise<RawRequest[]> {
  const schema = jsonSchemaOf(op);
  if (!schema) return [];
  const samples = fc.sample(valueFor(doc, schema, known), { numRuns: 50, seed: SEED }).filter((v) => freeFormPlaces(doc, schema, v).length > 0);
  const out: RawRequest[] = [];
  for (const target of knownPaths(path)) {
    // The first few samples the route takes as they are: deepened, only their depth can be refused.
    for (const base of samples.slice(0, 10)) {
      const probe = await sendRaw(herald.url, await signed({ method, path: target, headers, body: Buffer.from(toJsonText(base)) }));
      if (probe.status >= 300) continue;
      for (const levels of [1000, 20_000]) {
        let body: unknown = base;
        for (const place of freeFormPlaces(doc, schema, base)) body = placeAt(body, place, { a: new RawJson(`${"[".repeat(levels)}1${"]".repeat(levels)}`) });
        out.push({ method, path: target, headers, body: Buffer.from(toJsonText(body)) });
      }
      break;
    }
  }
  return out;
}

/** Requests every route gets, whatever the seed: deep free-form JSON, oversize, chunked, bodies where none belongs. */
async function fixedRequests(operation: Operation): Promise<RawRequest[]> {
  const { method, path, op } = operation;
  const filled = path.replace(/\{[^}]+\}/g, "fz-sub");
  const [credentials] = fc.sample(credentialsFor(op).filter((c) => Object.keys(c.headers).length > 0 || op.security === undefined), { numRuns: 1, seed: SEED });
  const headers = { ...credentials!.headers, "content-type": "application/json" };
  const big = Buffer.from(JSON.stringify({ data: "x".repeat(MAX_BODY) }));
  return [
    ...(await deepRequests(operation, headers)),
    { method, path: filled, headers, body: big },
    { method, path: filled, headers, body: big, chunked: true },
    { method, path: filled, headers, body: Buffer.from('{"a":1}'), chunked: true },
    { method, path: filled, headers: { ...headers, "content-type": "text/plain" }, body: Buffer.from("{}") },
    { method, path: filled, headers, body: Buffer.from([0xc3, 0x28, 0xff]) },
    { method, path: filled, headers, body: Buffer.alloc(0) },
    { method, path: `${filled}/..%2F..%2F%00`, headers },
  ];
}

describe("malformed input on every route", () => {
  it("never answers 5xx, answers every 4xx as problem+json, and keeps serving", async () => {
    const started = Date.now();
    const ops = operations();
    expect(ops.length).toBeGreaterThan(50);
    const failures: string[] = [];
    let requests = 0;
    for (const operation of ops) {
      const route = `${operation.method} ${operation.path}`;
      await seed();
      for (const req of await fixedRequests(operation)) {
        requests++;
        const problem = fault(await sendRaw(herald.url, await signed(req)), route);
        if (problem) failures.push(`${operation.method} ${operation.path}: ${problem}\n  request: ${describeRequest(req)}`);
      }
      const result = await fc.check(
        fc.asyncProperty(requestFor(operation), async (req) => {
          requests++;
          const sent = await signed(req);
          const problem = fault(await sendRaw(herald.url, sent), route);
          if (problem) throw new Error(`${problem}\n  request: ${describeRequest(sent)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      if (result.failed) failures.push(`${operation.method} ${operation.path} (seed ${SEED}): ${(result.errorInstance as Error)?.message ?? String(result.errorInstance)}`);
    }
    console.log(`fuzz: ${ops.length} routes, ${requests} requests, ${RUNS} random per route, seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (process.env.HERALD_FUZZ_VERBOSE) for (const [route, counts] of seen) console.log(route, Object.fromEntries(counts));
    // What went wrong inside, answered or not: hostile data that broke a job after its 202, say.
    // Deliveries failing is what they do here (no push subscriptions, nothing at port 9).
    const errors = herald.logs
      .join("")
      .split("\n")
      .filter((line) => line.includes('"level":"error"') && !/"msg":"delivery (failed|dead)"/.test(line));
    if (errors.length > 0) console.log(`errors logged:\n${errors.map((e) => e.slice(0, 600)).join("\n")}`);
    expect(failures).toEqual([]);
    expect(errors).toEqual([]);

    // Still serving: a valid event is accepted and read back, and the process is alive.
    expect(herald.proc.exitCode).toBeNull();
    expect((await call("GET", "/healthz")).status).toBe(200);
    const accepted = await call("POST", "/v1/events", { id: "fz-after", type: "fz.event", to: "fz-sub", data: { n: 2 } });
    expect(accepted.status).toBe(202);
    expect((await call("GET", "/v1/events/fz-after")).body).toMatchObject({ id: "fz-after", type: "fz.event" });
  }, 240_000);
});
