/**
 * Counting what each invocation costs. Local workerd enforces none of Cloudflare's per-invocation
 * limits, so Herald counts for itself: the bindings (D1, the Durable Object namespaces, the queues)
 * and the outgoing fetch are wrapped, and every call is charged to the invocation it belongs to,
 * found through AsyncLocalStorage (each invocation runs inside its own record; work it starts
 * inherits the record, including what it leaves to `waitUntil`).
 *
 * An invocation that goes over its budget (budget.ts) is logged as an error with its counts;
 * HERALD_BUDGET_STRICT=1 also refuses the call that would go over (tests). A D1 statement with more
 * than 100 bound parameters is always refused here, as D1 refuses it in production.
 * HERALD_BUDGET_RECORD=1 keeps the last records in memory for tests (invocationRecords);
 * HERALD_BUDGET_LOG=1 logs every record as a JSON line (`"msg":"invocation"`, bench/workers.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";
import { profileOf } from "./budget.js";
import type { Env } from "./env.js";

export type InvocationKind = "request" | "queue" | "alarm" | "cron" | "relay" | "inbox";

export interface InvocationRecord {
  kind: InvocationKind;
  /** What it was: `POST /v1/broadcasts`, `herald-jobs ×100`, `relay 250`. */
  label: string;
  startedAt: number;
  /** Until the invocation and everything it left to waitUntil finished (I/O included: workerd's clock moves only across I/O). */
  wallMs: number;
  /** D1 statements run; a batch counts each of its statements. */
  d1Queries: number;
  /** D1 round trips (a batch is one). */
  d1Calls: number;
  /** The most parameters any statement bound. */
  maxBoundParameters: number;
  /** Fetches + Durable Object calls + queue sends. */
  subrequests: number;
  fetches: number;
  objectCalls: number;
  queueSends: number;
  /** What went over the budget, if anything. */
  over: string[];
}

/** D1's documented limit per statement. */
export const D1_MAX_BOUND_PARAMETERS = 100;

export class BudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BudgetExceeded";
  }
}

const current = new AsyncLocalStorage<{ record: InvocationRecord; budget: { d1Queries: number; subrequests: number }; strict: boolean }>();
const RECORDS = Symbol.for("herald.invocationRecords");
/** Records kept at most (HERALD_BUDGET_RECORD): the oldest go first. */
const MAX_RECORDS = 100_000;

function store(): InvocationRecord[] {
  const g = globalThis as unknown as { [RECORDS]?: InvocationRecord[] };
  return (g[RECORDS] ??= []);
}

/** The records kept so far (HERALD_BUDGET_RECORD=1), oldest first. */
export function invocationRecords(): InvocationRecord[] {
  return store();
}

/** Forgets the records kept so far. */
export function clearInvocationRecords(): void {
  store().length = 0;
}

/**
 * Runs `fn` as one invocation of `kind`, charging every metered call made inside it (and inside
 * what it starts) to one record. `fn` gets `finish`, for an invocation whose work outlives its
 * return (a response whose `waitUntil` goes on): call it when that work is over. Without it the
 * record closes when `fn` settles.
 */
export async function metered<T>(env: Env, kind: InvocationKind, label: string, fn: (finish: () => void) => Promise<T>, options: { deferFinish?: boolean } = {}): Promise<T> {
  const record: InvocationRecord = { kind, label, startedAt: Date.now(), wallMs: 0, d1Queries: 0, d1Calls: 0, maxBoundParameters: 0, subrequests: 0, fetches: 0, objectCalls: 0, queueSends: 0, over: [] };
  const budget = profileOf(env).budget;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    record.wallMs = Date.now() - record.startedAt;
    if (record.d1Queries > budget.d1Queries) record.over.push(`${record.d1Queries} D1 queries > ${budget.d1Queries}`);
    if (record.subrequests > budget.subrequests) record.over.push(`${record.subrequests} subrequests > ${budget.subrequests}`);
    if (record.over.length > 0) {
      console.error(JSON.stringify({ level: "error", msg: "invocation over its budget", ...record }));
    }
    if (env.HERALD_BUDGET_LOG === "1") console.log(JSON.stringify({ msg: "invocation", ...record }));
    if (env.HERALD_BUDGET_RECORD === "1") {
      const kept = store();
      kept.push(record);
      if (kept.length > MAX_RECORDS) kept.splice(0, kept.length - MAX_RECORDS);
    }
  };
  try {
    return await current.run({ record, budget, strict: env.HERALD_BUDGET_STRICT === "1" }, () => fn(finish));
  } finally {
    if (!options.deferFinish) finish();
  }
}

function charge(what: "d1" | "fetch" | "object" | "queue", queries = 1): void {
  const ctx = current.getStore();
  if (!ctx) return;
  const { record, budget, strict } = ctx;
  if (what === "d1") {
    if (strict && record.d1Queries + queries > budget.d1Queries) refuse(record, `D1 query ${record.d1Queries + queries} over ${budget.d1Queries}`);
    record.d1Queries += queries;
    record.d1Calls++;
    return;
  }
  if (strict && record.subrequests + 1 > budget.subrequests) refuse(record, `subrequest ${record.subrequests + 1} over ${budget.subrequests}`);
  record.subrequests++;
  if (what === "fetch") record.fetches++;
  else if (what === "object") record.objectCalls++;
  else record.queueSends++;
}

function refuse(record: InvocationRecord, why: string): never {
  record.over.push(`refused: ${why}`);
  throw new BudgetExceeded(`${record.kind} ${record.label}: ${why}`);
}

function checkParameters(count: number): void {
  const ctx = current.getStore();
  if (ctx && count > ctx.record.maxBoundParameters) ctx.record.maxBoundParameters = count;
  if (count > D1_MAX_BOUND_PARAMETERS) {
    if (ctx) ctx.record.over.push(`refused: a statement binding ${count} parameters`);
    throw new BudgetExceeded(`a D1 statement binds ${count} parameters; D1 allows ${D1_MAX_BOUND_PARAMETERS}`);
  }
}

const statements = new WeakMap<object, D1PreparedStatement>();

function meteredStatement(real: D1PreparedStatement): D1PreparedStatement {
  const wrapped = new Proxy(real, {
    get(target, prop) {
      if (prop === "bind") {
        return (...values: unknown[]) => {
          checkParameters(values.length);
          return meteredStatement(target.bind(...values));
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
        return (...args: unknown[]) => {
          charge("d1");
          return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
        };
      }
      return (...args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
    },
  });
  statements.set(wrapped, real);
  return wrapped;
}

function meteredD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => meteredStatement(target.prepare(sql));
      if (prop === "batch") {
        return (list: D1PreparedStatement[]) => {
          charge("d1", list.length);
          return target.batch(list.map((s) => statements.get(s) ?? s));
        };
      }
      if (prop === "exec") {
        return (sql: string) => {
          charge("d1", sql.split(/;\s*\n/).filter((s) => s.trim()).length);
          return target.exec(sql);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (...args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, target, args) : value;
    },
  });
}

/** A Durable Object stub whose every method call (RPC or fetch) is charged as a subrequest. */
function meteredStub<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      // A stub answers any name with an RPC method; `then` must stay undefined or awaiting it would call the object.
      if (prop === "then") return undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        charge("object");
        return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
      };
    },
  });
}

function meteredNamespace<T extends object>(namespace: T): T {
  return new Proxy(namespace, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getByName") return (...args: unknown[]) => meteredStub(Reflect.apply(value as (...a: unknown[]) => object, target, args));
      return (...args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
    },
  });
}

function meteredQueue<T extends object>(queue: T): T {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "send" || prop === "sendBatch") {
        return (...args: unknown[]) => {
          charge("queue");
          return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
        };
      }
      return (...args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
    },
  });
}

const meteredEnvs = new WeakMap<object, Env>();
const METERED = Symbol.for("herald.metered");

/** The same bindings, each call charged to the running invocation. Built once per env object. */
export function meteredEnv(env: Env): Env {
  if ((env as { [METERED]?: boolean })[METERED]) return env;
  let wrapped = meteredEnvs.get(env);
  if (wrapped) return wrapped;
  const bindings: Record<string | symbol, unknown> = { [METERED]: true };
  if (env.DB) bindings.DB = meteredD1(env.DB);
  for (const name of ["INBOX", "FANOUT", "JOBS"] as const) if (env[name]) bindings[name] = meteredNamespace(env[name] as object);
  for (const name of ["JOB_QUEUE", "PLAN_QUEUE"] as const) if (env[name]) bindings[name] = meteredQueue(env[name] as object);
  wrapped = new Proxy(env, { get: (target, prop) => (prop in bindings ? bindings[prop] : Reflect.get(target, prop)) }) as Env;
  meteredEnvs.set(env, wrapped);
  return wrapped;
}

/** The global fetch, each call charged as a subrequest (the channels' outgoing calls). */
export const meteredFetch: typeof fetch = (input, init) => {
  charge("fetch");
  return fetch(input, init);
};
