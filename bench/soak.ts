/**
 * bench/soak: Herald on Node under a steady load for minutes, watching what must stay bounded.
 *
 *   flock /tmp/bench.lock npx tsx bench/soak.ts
 *
 * Herald runs as its own process (as `npm start` runs it) on a fresh embedded libSQL file. Every
 * event goes to one of SOAK_CLIENTS subscribers, round robin, and a rule sends it on two channels:
 * in-app (each subscriber has one live WebSocket here) and Mattermost (the peer of
 * src/channels/mattermost/mattermost.peer.ts, in this process). Events are posted open loop at SOAK_RATE per second
 * for SOAK_MINUTES; every SOAK_REPORT_S the script prints accept latency (POST sent → 202 read),
 * the WAL's size now and at its largest (sampled every second), the database file's size and
 * Herald's RSS. After the load it waits for every in-app item and Mattermost message, then stays
 * idle SOAK_IDLE_S and reports the WAL's size again. "Lost" counts events answered 202 whose
 * in-app item or Mattermost message never arrived: it must be 0.
 *
 * Halfway through, a backup is taken with `VACUUM INTO` from another process, as README.md
 * suggests, and checked afterwards (integrity, events it holds).
 *
 * Settings: SOAK_MINUTES (10), SOAK_RATE (500), SOAK_CLIENTS (50), SOAK_REPORT_S (60),
 * SOAK_IDLE_S (30), SOAK_BACKUP (1; 0 for none), SOAK_HOGS (0: busy-looping processes run beside the
 * load, a host busy with other work), SOAK_HERALD_DIR (run Herald from another checkout, e.g. an older commit
 * unpacked with `git archive`, to compare), SOAK_ENV (extra Herald settings, `A=1,B=2`).
 * The load generator, the 50 clients and the peer share the 2 cores with Herald.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startMattermostPeer } from "../src/channels/mattermost/mattermost.peer.js";
import { api, TEST_API_KEY } from "../tests/support/server.js";
import { closeAll, openHeraldSocket, openMany, poster } from "./support/realtime-clients.js";
import { rssKiB } from "./support/realtime-process.js";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 500);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 50);
const REPORT_S = Number(process.env.SOAK_REPORT_S ?? 60);
const IDLE_S = Number(process.env.SOAK_IDLE_S ?? 30);
const BACKUP = process.env.SOAK_BACKUP !== "0";
const HOGS = Number(process.env.SOAK_HOGS ?? 0);
const HERALD_DIR = resolve(process.env.SOAK_HERALD_DIR ?? ".");
const EXTRA_ENV = Object.fromEntries((process.env.SOAK_ENV ?? "").split(",").filter(Boolean).map((kv) => kv.split("=") as [string, string]));
/** How long after the load every item and message may take to arrive before it counts as lost. */
const DRAIN_TIMEOUT_S = 120;
const TARGET = { walMiB: 64, lost: 0 };

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const progress = (text: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${text}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

async function startHeraldAt(dir: string, env: Record<string, string>): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/runtimes/node/main.ts"], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /\{"msg":"ready","url":"([^"]+)"/.exec(out);
      if (ready) resolveUrl(ready[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`Herald exited with ${code}:\n${out}`)));
  });
  proc.stdout!.resume();
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    url,
    proc,
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `VACUUM INTO` from a process of its own, as an operator would run it; answers how long it took. */
function backup(dbPath: string, target: string): Promise<number> {
  const script = `new (require("libsql"))(process.argv[1]).exec("VACUUM INTO '" + process.argv[2].replace(/'/g, "''") + "'")`;
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["-e", script, dbPath, target], (error) => (error ? reject(error) : resolve(performance.now() - started))),
  );
}

/** The backup's integrity check and how many events it holds. */
function checkBackup(target: string): { integrity: string; events: number } {
  const Database = createRequire(import.meta.url)("libsql");
  const db = new Database(target, { readonly: true });
  try {
    return { integrity: String(db.prepare("PRAGMA integrity_check").get().integrity_check), events: Number(db.prepare("SELECT count(*) AS n FROM events").get().n) };
  } finally {
    db.close();
  }
}

async function main() {
  const total = Math.round(MINUTES * 60 * RATE);
  const folder = mkdtempSync(join(tmpdir(), "herald-soak-"));
  const dbPath = join(folder, "herald.db");
  const walPath = `${dbPath}-wal`;
  const peer = await startMattermostPeer();
  const herald = await startHeraldAt(HERALD_DIR, {
    PORT: "0",
    DATABASE_URL: `file:${dbPath}`,
    HERALD_API_KEY: TEST_API_KEY,
    HERALD_ALLOW_PRIVATE_NETWORK: "1",
    HERALD_LOG_LEVEL: "error",
    MATTERMOST_WEBHOOK_URL: peer.hookUrl,
    ...EXTRA_ENV,
  });
  const pid = herald.proc.pid!;
  const call = api(herald.url);
  progress(`Herald ${HERALD_DIR === resolve(".") ? "(this checkout)" : `from ${HERALD_DIR}`} at ${herald.url}, database ${dbPath}`);

  await call("PUT", "/v1/templates/soak", { channels: { realtime: { title: "Order", body: "{{data.n}}" }, mattermost: { text: "Order {{data.n}} is {{data.status}}" } } });
  await call("PUT", "/v1/rules/soak", { event: "soak.order", steps: [{ channel: "realtime", template: "soak" }, { channel: "mattermost", template: "soak" }] });

  // What arrived, per event number: in-app items and Mattermost messages (more than 1: a duplicate).
  const inApp = new Uint8Array(total);
  const mattermost = new Uint8Array(total);
  const accepted = new Uint8Array(total);
  const subscribers = Array.from({ length: CLIENTS }, (_, i) => `soak-${i}`);
  const tokens: string[] = [];
  for (const id of subscribers) {
    await call("PUT", `/v1/subscribers/${id}`, { name: id });
    tokens.push((await call("POST", `/v1/subscribers/${id}/tokens`, { ttlSeconds: 86_400 })).body.token);
  }
  const sockets = await openMany(CLIENTS, 10, (i) =>
    openHeraldSocket(herald.url, tokens[i]!, (frame) => {
      if (frame.type !== "notification") return;
      const n = Number(frame.body);
      if (Number.isInteger(n) && n >= 0 && n < total) inApp[n] = Math.min(255, inApp[n]! + 1);
    }),
  );
  // The peer keeps every post it gets; counted and dropped here each second so memory stays flat.
  const countMattermost = () => {
    for (const post of peer.received.splice(0)) {
      const n = Number(/^Order (\d+) is/.exec(post.text)?.[1]);
      if (Number.isInteger(n) && n >= 0 && n < total) mattermost[n] = Math.min(255, mattermost[n]! + 1);
    }
  };

  let walMax = 0;
  let walMaxInPeriod = 0;
  const sample = () => {
    countMattermost();
    const wal = fileSize(walPath);
    walMax = Math.max(walMax, wal);
    walMaxInPeriod = Math.max(walMaxInPeriod, wal);
  };
  const sampler = setInterval(sample, 1000);

  console.log(`Herald soak: ${RATE} events/s for ${MINUTES} min, in-app to ${CLIENTS} WebSocket clients + Mattermost peer${HOGS ? `, ${HOGS} busy-looping processes beside` : ""} (node ${process.version}, load ${loadavg()[0]!.toFixed(1)})\n`);
  console.log("  time | accepted | non-2xx | accept p50 | p99      | max      | WAL now   | WAL max   | DB        | RSS");
  const http = poster(herald.url, { authorization: `Bearer ${TEST_API_KEY}` }, 256);
  const all: number[] = [];
  let period: number[] = [];
  let failures = 0;
  let periodFailures = 0;
  const refusals = new Map<string, number>();
  let reported = 0;
  const report = (label: string) => {
    const sorted = period.sort((a, b) => a - b);
    const wal = fileSize(walPath);
    console.log(
      `${label.padStart(6)} | ${String(sorted.length).padStart(8)} | ${String(periodFailures).padStart(7)} | ${`${percentile(sorted, 50).toFixed(1)} ms`.padStart(10)} | ${`${percentile(sorted, 99).toFixed(1)} ms`.padStart(8)} | ${`${(sorted.at(-1) ?? NaN).toFixed(0)} ms`.padStart(8)} | ${mib(wal).padStart(9)} | ${mib(walMaxInPeriod).padStart(9)} | ${mib(fileSize(dbPath)).padStart(9)} | ${(rssKiB(pid) / 1024).toFixed(0)} MiB`,
    );
    all.push(...sorted);
    period = [];
    periodFailures = 0;
    walMaxInPeriod = wal;
  };

  // A keep-alive socket the server closes just as a request goes out fails (ECONNRESET, "socket
  // hang up") before any answer. The event id makes the POST safe to repeat, as an app would: up
  // to twice more, and counted.
  let resent = 0;
  const send = async (i: number) => {
    const event = { id: `soak-${i}`, type: "soak.order", to: subscribers[i % CLIENTS], data: { n: i, status: "courier" } };
    let answer = await http.post("/v1/events", event);
    for (let retry = 0; retry < 2 && answer.status === 0; retry++) {
      resent++;
      answer = await http.post("/v1/events", event);
    }
    return answer;
  };
  const hogs = Array.from({ length: HOGS }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  const answers: Promise<void>[] = [];
  const backupPath = join(folder, "backup.db");
  let backupRun: Promise<{ ms: number; acceptedBefore: number } | { error: string }> | undefined;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    if (BACKUP && !backupRun && i >= total / 2) {
      const acceptedBefore = accepted.reduce((a, b) => a + b, 0);
      progress(`backup (VACUUM INTO) started after ${acceptedBefore} accepted events`);
      backupRun = backup(dbPath, backupPath).then(
        (ms) => (progress(`backup done in ${(ms / 1000).toFixed(1)} s`), { ms, acceptedBefore }),
        (error) => ({ error: String(error) }),
      );
    }
    const wait = t0 + (i * 1000) / RATE - performance.now();
    if (wait > 1) await sleep(wait);
    const elapsedS = (performance.now() - t0) / 1000;
    if (elapsedS >= (reported + 1) * REPORT_S) report(`${Number(((++reported * REPORT_S) / 60).toFixed(1))}m`);
    const sentAt = performance.now();
    answers.push(
      send(i).then((answer) => {
        if (answer.status === 202) {
          accepted[i] = 1;
          period.push(performance.now() - sentAt);
        } else {
          failures++;
          periodFailures++;
          const why = answer.error ?? String(answer.status);
          refusals.set(why, (refusals.get(why) ?? 0) + 1);
        }
      }),
    );
  }
  await Promise.all(answers);
  for (const hog of hogs) hog.kill("SIGKILL");
  if (period.length > 0) report("end");
  const loadSeconds = (performance.now() - t0) / 1000;

  // Every accepted event's item and message, or the drain timeout.
  const drainStart = Date.now();
  const missing = () => {
    countMattermost();
    let items = 0;
    let posts = 0;
    for (let i = 0; i < total; i++) {
      if (!accepted[i]) continue;
      if (inApp[i] === 0) items++;
      if (mattermost[i] === 0) posts++;
    }
    return { items, posts };
  };
  while (Date.now() - drainStart < DRAIN_TIMEOUT_S * 1000) {
    const m = missing();
    if (m.items === 0 && m.posts === 0) break;
    await sleep(500);
  }
  const drainedS = (Date.now() - drainStart) / 1000;
  const lost = missing();
  const walAfterLoad = fileSize(walPath);
  progress(`drained in ${drainedS.toFixed(1)} s; idle for ${IDLE_S} s`);
  await sleep(IDLE_S * 1000);
  clearInterval(sampler);
  sample();
  const walAfterIdle = fileSize(walPath);
  const dbSize = fileSize(dbPath);
  const stats = (await call("GET", "/v1/stats")).body;
  let duplicatesInApp = 0;
  let duplicatesMattermost = 0;
  for (let i = 0; i < total; i++) {
    if (inApp[i]! > 1) duplicatesInApp++;
    if (mattermost[i]! > 1) duplicatesMattermost++;
  }
  const acceptedCount = accepted.reduce((a, b) => a + b, 0);
  let backupRow = "not taken";
  const backupResult = await backupRun;
  if (backupResult && "error" in backupResult) backupRow = `FAILED: ${backupResult.error}`;
  else if (backupResult) {
    const check = checkBackup(backupPath);
    backupRow = `${(backupResult.ms / 1000).toFixed(1)} s, ${mib(fileSize(backupPath))}, ${check.integrity}, ${check.events} events (≥ ${backupResult.acceptedBefore})`;
  }
  all.sort((a, b) => a - b);

  const rows: [string, string, string, string][] = [
    ["events sent / accepted (202)", `${total} / ${acceptedCount} (${resent} sent again after a reset socket)`, "", failures === 0 ? "" : JSON.stringify(Object.fromEntries(refusals))],
    ["sustained rate", `${(total / loadSeconds).toFixed(0)}/s`, `${RATE}/s`, ""],
    ["accept p50 / p99 / max", `${percentile(all, 50).toFixed(1)} / ${percentile(all, 99).toFixed(1)} / ${(all.at(-1) ?? NaN).toFixed(0)} ms`, "", ""],
    ["WAL max during the load", mib(walMax), `≤ ${TARGET.walMiB} MiB`, walMax <= TARGET.walMiB * MiB ? "met" : "MISSED"],
    ["WAL after the load / after idle", `${mib(walAfterLoad)} / ${mib(walAfterIdle)}`, "0 when idle", walAfterIdle === 0 ? "met" : "MISSED"],
    ["database file", mib(dbSize), "", ""],
    ["database per 1,000 events", `${((dbSize / Math.max(1, acceptedCount)) * 1000 / 1024).toFixed(0)} KiB`, "", ""],
    ["Herald RSS at the end", `${(rssKiB(pid) / 1024).toFixed(0)} MiB`, "", ""],
    ["in-app items lost / duplicated", `${lost.items} / ${duplicatesInApp}`, `${TARGET.lost}`, lost.items === 0 ? "met" : "MISSED"],
    ["Mattermost messages lost / duplicated", `${lost.posts} / ${duplicatesMattermost}`, `${TARGET.lost}`, lost.posts === 0 ? "met" : "MISSED"],
    ["drained after the load in", `${drainedS.toFixed(1)} s`, "", ""],
    ["backup during the load (VACUUM INTO)", backupRow, "", ""],
    ["outbox jobs left", String(stats?.outbox?.jobs ?? "?"), "", ""],
  ];
  console.log(`\n${"measure".padEnd(37)} | ${"value".padEnd(52)} | target      |`);
  console.log(`${"-".repeat(38)}|${"-".repeat(54)}|-------------|-------`);
  for (const [name, value, target, verdict] of rows) console.log(`${name.padEnd(37)} | ${value.padEnd(52)} | ${target.padEnd(11)} | ${verdict}`);

  closeAll(sockets);
  http.close();
  await herald.stop();
  await peer.close();
  rmSync(folder, { recursive: true, force: true });
}

await main();
