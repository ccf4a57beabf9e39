/**
 * Simple API benchmark: requests/s and latency of ONE real node process (`node bin/jobwarden.mjs node
 * start`) serving `/ws/simple`, driven by autocannon on 127.0.0.1, on a fresh SQLite file and/or a
 * fresh PostgreSQL database.
 *
 *   npx tsx bench/api.ts [--db sqlite|postgresql|both] [--seconds 10] [--connections 64] [--warmup 2]
 *
 * Cases, each after a warm-up of --warmup seconds whose results are discarded:
 *   1. POST /ws/simple/ji (form: applicationname=BenchNoop&parameterNames=a&parameterValues=1), authSimple none
 *   2. GET /ws/simple/status?id=<a run created by case 1>, authSimple none
 *   3. the enqueue of case 1 with authSimple basic (a user with the role "client")
 *   4. the status read of case 2 with authSimple basic
 * BenchNoop is on a queue "BENCH" that no node polls: the runs only accumulate, the engine does not
 * compete for the CPU. After each enqueue case the JobInstance rows created are counted and compared
 * with the 2xx responses (and with the ids those responses returned).
 *
 * PostgreSQL server: BENCH_PG_URL (a role that may CREATEDB), default postgresql://postgres@127.0.0.1:54329/postgres.
 * The node listens on 127.0.0.1 on a free port (port 0); every database, node process and temp folder
 * this script makes is removed before it exits.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Db } from "~/server/db";
import {
  type NodeProc,
  type Provider,
  PG_URL_FROM_ENV,
  benchHome,
  children,
  createBenchDb,
  databaseLabel,
  log,
  machineLines,
  packageVersion,
  parseProviders,
  postgresVersion,
  removeTempDirs,
  sqliteVersion,
  startNode,
  stopNodeAfter,
  waitFor,
} from "./lib";

// ---------------------------------------------------------------- autocannon (untyped CommonJS)

type CannonRequest = { onResponse?: (status: number, body: string) => void };
type CannonOptions = {
  url: string;
  connections: number;
  duration: number;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  requests?: CannonRequest[];
};
type CannonResult = {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  "2xx": number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { average: number; p50: number; p90: number; p99: number; max: number; totalCount: number };
  requests: { average: number; total: number; sent: number };
};
type CannonInstance = PromiseLike<CannonResult> & {
  on(event: "reqError", listener: (err: Error) => void): void;
  on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
};
const autocannon = createRequire(import.meta.url)("autocannon") as (opts: CannonOptions) => CannonInstance;

// ---------------------------------------------------------------- options

const { values: opts } = parseArgs({
  options: {
    db: { type: "string", default: "both" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    warmup: { type: "string", default: "2" },
  },
});
const SECONDS = Number(opts.seconds);
const CONNECTIONS = Number(opts.connections);
const WARMUP_SECONDS = Number(opts.warmup);
if (![SECONDS, CONNECTIONS].every((n) => Number.isInteger(n) && n > 0)) throw new Error("--seconds and --connections take positive integers");
if (!(Number.isInteger(WARMUP_SECONDS) && WARMUP_SECONDS >= 0)) throw new Error("--warmup takes an integer ≥ 0");
const PROVIDERS = parseProviders(opts.db);
const HOST = "127.0.0.1";
const APPLICATION = "BenchNoop";
const ENQUEUE_BODY = `applicationname=${APPLICATION}&parameterNames=a&parameterValues=1`;
const COMMAND = ["npx tsx bench/api.ts", ...process.argv.slice(2)].join(" ");

const HOME = benchHome("jobwarden-bench-api");
const { initDatabase } = await import("~/server/services/setup/init-database");
const { createNode } = await import("~/server/services/nodes/create-node");
const { createUser } = await import("~/server/services/users/create-user");
const { SYSTEM_ACTOR } = await import("~/server/services/audit/create-audit-event");

type Row = {
  database: string;
  label: string;
  auth: "none" | "basic";
  result: CannonResult;
  /** CPU used during the measured run, in % of one core (Linux /proc; null elsewhere). */
  cpu: CpuShares;
  /** Enqueue cases only. */
  check?: { rows: number; ok2xx: number; idsReturned: number; distinctIds: number; idsMissing: number; inFlightAtStop: number; verdict: string };
};
const rows: Row[] = [];
const notes: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

type ListenerEntry = { api?: string; address?: string | null; port?: number | null; auth?: string; error?: string };

/** The simple API's port once the node reports (after `since`) that it listens with `auth` on 127.0.0.1. */
async function waitSimpleListener(db: Db, nodeId: number, since: number, auth: "none" | "basic", node: NodeProc) {
  return waitFor(
    `the node to report the simple API listening with auth ${auth}`,
    async () => {
      const r = await db.nodeReport.findUnique({ where: { nodeId } });
      if (!r || r.reportedAt.getTime() < since || (r.counters as { state?: string }).state !== "running") return null;
      const l = (r.listeners as ListenerEntry[]).find((e) => e.api === "simple");
      if (!l || l.error || !l.port || l.auth !== auth) return null;
      if (l.address !== HOST) throw new Error(`the simple API listens on ${l.address ?? "?"}, not ${HOST}`);
      return l.port;
    },
    60_000,
    100,
    node,
  );
}

// ---------------------------------------------------------------- measurements

type CaseSpec = { label: string; auth: "none" | "basic"; url: string; method: "GET" | "POST"; headers: Record<string, string>; body?: string };

const nonOkSamples = new Map<string, string>();
const errorKinds = new Map<string, number>();

const SLOW_MS = 1000;
/** Responses slower than SLOW_MS: when they arrived (s from the start of the run) and how long they took. */
type Slow = { atS: number; ms: number }[];

async function cannon(spec: CaseSpec, seconds: number, onOk?: (body: string) => void): Promise<{ result: CannonResult; slow: Slow }> {
  const slow: Slow = [];
  const start = performance.now();
  const inst = autocannon({
    url: spec.url,
    connections: CONNECTIONS,
    duration: seconds,
    method: spec.method,
    headers: spec.headers,
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    requests: [
      {
        onResponse: (status, body) => {
          if (status >= 200 && status < 300) onOk?.(body);
          else if (nonOkSamples.size < 20) nonOkSamples.set(`${spec.label} → ${status}`, String(body).slice(0, 300));
        },
      },
    ],
  });
  inst.on("reqError", (err) => {
    const k = `${spec.label}: ${err.message}`;
    errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
  });
  inst.on("response", (_client, _status, _bytes, responseTime) => {
    if (responseTime > SLOW_MS) slow.push({ atS: (performance.now() - start) / 1000, ms: responseTime });
  });
  return { result: await inst, slow };
}

/** "N: sent at 0.0 s: 40 (up to 3790 ms); …": slow responses grouped by when they were sent (arrival − latency). */
function describeSlow(slow: Slow) {
  const groups = new Map<string, number[]>();
  for (const s of slow) {
    const sentAt = Math.max(0, s.atS - s.ms / 1000);
    const k = (Math.floor(sentAt * 2) / 2).toFixed(1);
    groups.set(k, [...(groups.get(k) ?? []), s.ms]);
  }
  const parts = [...groups].slice(0, 8).map(([at, ms]) => `sent at ${at}–${(Number(at) + 0.5).toFixed(1)} s: ${ms.length}, up to ${Math.max(...ms).toFixed(0)} ms`);
  return `${slow.length} (${parts.join("; ")}${groups.size > 8 ? "; …" : ""})`;
}

/** Waits until `count` has not changed for 1 s (requests still in the node when autocannon stopped). */
async function settledCount(count: () => Promise<number>) {
  let last = await count();
  let stableSince = Date.now();
  const deadline = Date.now() + 30_000;
  while (Date.now() - stableSince < 1000 && Date.now() < deadline) {
    await sleep(200);
    const n = await count();
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    }
  }
  return last;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process used so far, from /proc (Linux); null elsewhere. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by all processes named postgres (server and backends on this machine). */
function postgresCpuSeconds(): number | null {
  try {
    let total = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      if (!stat.includes("(postgres)")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    }
    return total;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine was busy (all cores), from /proc/stat; null elsewhere. */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)) / CLK_TCK;
  } catch {
    return null;
  }
}

/** % of one core: the node process, PostgreSQL, autocannon (this process) and everything else on the machine. */
type CpuShares = { node: number | null; postgres: number | null; bench: number; other: number | null };

function cpuMeter(pid: number | undefined) {
  const t0 = { node: processCpuSeconds(pid), postgres: postgresCpuSeconds(), bench: process.cpuUsage(), machine: machineBusySeconds(), at: performance.now() };
  return (): CpuShares => {
    const wall = (performance.now() - t0.at) / 1000;
    const pct = (a: number | null, b: number | null) => (a === null || b === null ? null : (100 * (b - a)) / wall);
    const usage = process.cpuUsage(t0.bench);
    const node = pct(t0.node, processCpuSeconds(pid));
    const postgres = pct(t0.postgres, postgresCpuSeconds());
    const bench = (100 * (usage.user + usage.system)) / 1e6 / wall;
    const machine = pct(t0.machine, machineBusySeconds());
    const other = machine === null || node === null || postgres === null ? null : Math.max(0, machine - node - postgres - bench);
    return { node, postgres, bench, other };
  };
}

const fmtCpu = (c: CpuShares) => [c.node, c.postgres, c.bench, c.other].map((x) => (x === null ? "?" : x.toFixed(0))).join(" / ");

async function runCase(db: Db, database: string, spec: CaseSpec, jobDefId: number, node: NodeProc): Promise<Row> {
  const isEnqueue = spec.method === "POST";
  if (WARMUP_SECONDS > 0) {
    log(`  ${spec.label}: ${WARMUP_SECONDS} s warm-up`);
    await cannon(spec, WARMUP_SECONDS);
  }
  const maxId = async () => (await db.jobInstance.aggregate({ _max: { id: true } }))._max.id ?? 0;
  const created = (after: number) => db.jobInstance.count({ where: { jobDefId, id: { gt: after } } });
  // The warm-up's last enqueues may still be committing: the baseline is taken once the ids settle.
  const baseline = isEnqueue ? await settledCount(maxId) : 0;
  const ids: number[] = [];
  log(`  ${spec.label}: ${SECONDS} s, ${CONNECTIONS} connections`);
  const meter = cpuMeter(node.child.pid);
  const { result, slow } = await cannon(spec, SECONDS, isEnqueue ? (body) => ids.push(Number(body)) : undefined);
  if (slow.length) {
    log(`  → responses over ${SLOW_MS} ms: ${describeSlow(slow)}`);
    notes.push(`${database}, ${spec.label}, auth ${spec.auth}: responses over ${SLOW_MS} ms: ${describeSlow(slow)}.`);
  }
  const cpu = meter();
  const row: Row = { database, label: spec.label, auth: spec.auth, result, cpu };
  const lat = result.latency;
  log(`  → ${result.requests.average.toFixed(0)} req/s, p50 ${lat.p50} p90 ${lat.p90} p99 ${lat.p99} max ${lat.max} ms, ${result.requests.total} requests, non-2xx ${result.non2xx}, errors ${result.errors} (timeouts ${result.timeouts}); CPU % node / postgres / autocannon / other: ${fmtCpu(cpu)}`);
  if (isEnqueue) {
    const rowsCreated = await settledCount(() => created(baseline));
    const inDb = new Set((await db.jobInstance.findMany({ where: { jobDefId, id: { gt: baseline } }, select: { id: true } })).map((r) => r.id));
    const distinct = new Set(ids);
    const idsMissing = [...distinct].filter((id) => !inDb.has(id)).length;
    // Requests sent but never answered: autocannon closes its sockets at the end of the duration,
    // the node still finishes (and commits) the enqueues it was processing.
    const inFlightAtStop = Math.max(0, result.requests.sent - result.requests.total - result.errors);
    const ok2xx = result["2xx"];
    const extra = rowsCreated - ok2xx;
    let verdict: string;
    if (ids.length !== ok2xx || distinct.size !== ids.length || idsMissing > 0) verdict = "MISMATCH (returned ids)";
    else if (extra === 0) verdict = "equal";
    else if (extra > 0 && extra <= inFlightAtStop && result.non2xx === 0 && result.errors === 0) verdict = `+${extra} rows from requests in flight at stop`;
    else verdict = `MISMATCH (${extra > 0 ? "+" : ""}${extra})`;
    row.check = { rows: rowsCreated, ok2xx, idsReturned: ids.length, distinctIds: distinct.size, idsMissing, inFlightAtStop, verdict };
    log(`  → JobInstance rows created ${rowsCreated}, 2xx ${ok2xx}, ids returned ${ids.length} (distinct ${distinct.size}, not in the database ${idsMissing}), in flight at stop ${inFlightAtStop}: ${verdict}`);
    if (verdict.startsWith("MISMATCH")) notes.push(`${database}, ${spec.label}: JobInstance rows created ${rowsCreated} ≠ 2xx responses ${ok2xx} (${verdict}).`);
  }
  if (result.non2xx > 0 || result.errors > 0) notes.push(`${database}, ${spec.label}: ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts).`);
  rows.push(row);
  return row;
}

/** One request on its own: its wall time in ms, status and body. */
async function single(url: string, init: RequestInit) {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, body };
}

async function benchProvider(provider: Provider) {
  const database = databaseLabel(provider);
  log(`${provider}: creating a throwaway database`);
  const t = await createBenchDb(provider, { pgPrefix: "jobwarden_bench_api", dirPrefix: "jobwarden-bench-api-db" });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await t.drop();
  };
  cleanups.push(drop);
  try {
    await initDatabase(t.db, { migrate: false });
    const node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `bench-api-${provider}`, host: HOST, port: 0 });
    // A queue no node polls: enqueued runs stay SUBMITTED, the engine does nothing with them.
    const queue = await t.db.queue.create({ data: { name: "BENCH", description: "Benchmark queue: no node polls it" } });
    const jd = await t.db.jobDef.create({ data: { applicationName: APPLICATION, queueId: queue.id, payloadType: "exec", path: "/bin/true", parameters: {} } });
    const password = `bench-${randomUUID()}`;
    await createUser(t.db, { actor: SYSTEM_ACTOR, login: "bench", password, roles: ["client"] });
    const authorization = `Basic ${Buffer.from(`bench:${password}`).toString("base64")}`;

    log(`${provider}: starting node ${node.name}`);
    const spawnedAt = Date.now();
    const proc = startNode(node.name, t.url, HOME);
    let failed = false;
    try {
      const port = await waitSimpleListener(t.db, node.id, spawnedAt, "none", proc);
      const base = `http://${HOST}:${port}/ws/simple`;
      log(`  simple API at ${base} (auth none)`);
      const form = { "content-type": "application/x-www-form-urlencoded" };

      const probe = await single(`${base}/ji`, { method: "POST", headers: form, body: ENQUEUE_BODY });
      if (probe.status !== 200 || !/^\d+$/.test(probe.body)) throw new Error(`probe enqueue failed: ${probe.status} ${probe.body}`);

      const enqueueNone = await runCase(t.db, database, { label: "enqueue POST /ji", auth: "none", url: `${base}/ji`, method: "POST", headers: form, body: ENQUEUE_BODY }, jd.id, proc);
      const statusId = (await t.db.jobInstance.findFirstOrThrow({ where: { jobDefId: jd.id }, orderBy: { id: "asc" }, select: { id: true } })).id;
      const s = await single(`${base}/status?id=${statusId}`, {});
      if (s.status !== 200) throw new Error(`status probe failed: ${s.status} ${s.body}`);
      await runCase(t.db, database, { label: `status GET /status?id=${statusId}`, auth: "none", url: `${base}/status?id=${statusId}`, method: "GET", headers: {} }, jd.id, proc);

      // authSimple = basic: applied by the node at its next heartbeat (the listener is reopened).
      const updatedAt = Date.now();
      await t.db.node.update({ where: { id: node.id }, data: { authSimple: "basic" } });
      const basicPort = await waitSimpleListener(t.db, node.id, updatedAt, "basic", proc);
      const bbase = `http://${HOST}:${basicPort}/ws/simple`;
      log(`  simple API at ${bbase} (auth basic), applied ${((Date.now() - updatedAt) / 1000).toFixed(1)} s after the update`);
      const anon = await single(`${bbase}/ji`, { method: "POST", headers: form, body: ENQUEUE_BODY });
      if (anon.status !== 401) throw new Error(`an enqueue without credentials got ${anon.status}, not 401: ${anon.body}`);
      const cold = await single(`${bbase}/ji`, { method: "POST", headers: { ...form, authorization }, body: ENQUEUE_BODY });
      const warm = await single(`${bbase}/ji`, { method: "POST", headers: { ...form, authorization }, body: ENQUEUE_BODY });
      if (cold.status !== 200 || warm.status !== 200) throw new Error(`basic-auth probe failed: ${cold.status} ${cold.body} / ${warm.status} ${warm.body}`);
      notes.push(
        `${database}, basic auth: a single enqueue took ${cold.ms.toFixed(1)} ms with a credential the node had not seen (argon2 verification) ` +
          `and ${warm.ms.toFixed(1)} ms right after (cached); unauthenticated enqueue → 401.`,
      );

      const headers = { ...form, authorization };
      const enqueueBasic = await runCase(t.db, database, { label: "enqueue POST /ji", auth: "basic", url: `${bbase}/ji`, method: "POST", headers, body: ENQUEUE_BODY }, jd.id, proc);
      await runCase(t.db, database, { label: `status GET /status?id=${statusId}`, auth: "basic", url: `${bbase}/status?id=${statusId}`, method: "GET", headers: { authorization } }, jd.id, proc);
      const ratio = enqueueBasic.result.requests.average / enqueueNone.result.requests.average;
      log(`  basic / none enqueue throughput: ${(ratio * 100).toFixed(0)} %`);
      const total = await t.db.jobInstance.count({ where: { jobDefId: jd.id } });
      const notSubmitted = await t.db.jobInstance.count({ where: { jobDefId: jd.id, state: { not: "SUBMITTED" } } });
      if (notSubmitted > 0) notes.push(`${database}: ${notSubmitted} of ${total} BenchNoop runs left SUBMITTED although no node polls BENCH.`);
      log(`  ${total} BenchNoop runs in the database, ${notSubmitted} not SUBMITTED`);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await stopNodeAfter(proc, failed);
    }
  } finally {
    await drop();
  }
}

// ---------------------------------------------------------------- report

async function machine() {
  const lines = [...machineLines(), `- Node.js ${process.version}; autocannon ${packageVersion("autocannon")} in the bench process, on the same machine`];
  if (PROVIDERS.includes("sqlite")) lines.push(`- SQLite ${sqliteVersion()} (better-sqlite3, WAL, synchronous NORMAL)`);
  if (PROVIDERS.includes("postgresql")) {
    const { version, settings } = await postgresVersion(["fsync", "synchronous_commit"]);
    lines.push(`- ${version}, local (${settings.join(", ")})`);
  }
  return lines.join("\n");
}

function table() {
  const n = (x: number, digits = 0) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
  const out = [
    "| database | case | auth | req/s (avg) | p50 ms | p90 ms | p99 ms | max ms | requests | non-2xx | errors / timeouts | JobInstance rows created / 2xx | CPU % node / postgres / autocannon / other |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
  ];
  for (const r of rows) {
    const x = r.result;
    const check = r.check ? `${r.check.rows} / ${r.check.ok2xx} (${r.check.verdict})` : "—";
    out.push(
      `| ${r.database} | ${r.label} | ${r.auth} | ${x.requests.average.toFixed(0)} | ${n(x.latency.p50, 1)} | ${n(x.latency.p90, 1)} | ${n(x.latency.p99, 1)} | ${n(x.latency.max, 1)} | ${x.requests.total} | ${x.non2xx} | ${x.errors - x.timeouts} / ${x.timeouts} | ${check} | ${fmtCpu(r.cpu)} |`,
    );
  }
  return out.join("\n");
}

async function cleanup() {
  for (const c of children) c.kill("SIGTERM");
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => log(`cleanup failed: ${String(err)}`));
  removeTempDirs();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

let exitCode = 0;
try {
  const started = Date.now();
  for (const provider of PROVIDERS) await benchProvider(provider);
  for (const [k, count] of errorKinds) notes.push(`request errors — ${k}: ${count}`);
  for (const [k, body] of nonOkSamples) notes.push(`non-2xx sample — ${k}: ${body}`);
  const report = [
    `Command: \`${COMMAND}\`${PG_URL_FROM_ENV ? " (BENCH_PG_URL set)" : ""}`,
    "",
    "Machine:",
    await machine(),
    "",
    `One node process (default clocks), simple API on ${HOST}, port 0. autocannon: ${CONNECTIONS} connections, ${SECONDS} s per case ` +
      `after a ${WARMUP_SECONDS} s warm-up (discarded). Enqueue body: \`${ENQUEUE_BODY}\` on a queue no node polls. ` +
      "Latency percentiles are of 2xx responses (autocannon). CPU: % of one core used during the measured run by the node process, by all postgres processes, by the bench process " +
      "(autocannon) and by everything else on the machine (other work: noise).",
    "",
    table(),
    ...(notes.length ? ["", ...notes.map((x) => `- ${x}`)] : []),
    "",
    `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ].join("\n");
  process.stdout.write(`${report}\n`);
} catch (err) {
  exitCode = 1;
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await cleanup();
}
process.exit(exitCode);
