/**
 * Engine benchmark (DESIGN §6): throughput and enqueue→start latency of ONE real node process
 * (`node bin/jobwarden.mjs node start`) on a fresh SQLite file and/or a fresh PostgreSQL database,
 * for a no-op node payload and a `/bin/true` exec payload; optionally graphile-worker and pg-boss
 * on the same PostgreSQL server for comparison.
 *
 *   npx tsx bench/engine.ts [--jobs N] [--db sqlite|postgresql|both] [--latency-runs N]
 *                           [--latency-every-ms MS] [--no-compare]
 *
 * --latency-every-ms is the shortest spacing of the latency runs: a payload type is offered at most
 * half the throughput just measured for it, so that its latency is not a backlog.
 * PostgreSQL server: BENCH_PG_URL (a role that may CREATEDB), default postgresql://postgres@127.0.0.1:54329/postgres.
 * Binds no port; every database, node process and temp folder it makes is removed before it exits.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Db } from "~/server/db";
import {
  type NodeProc,
  type Provider,
  PG_URL_FROM_ENV,
  benchHome,
  children,
  createBenchDb,
  createPgDatabase,
  databaseLabel,
  log,
  machineLines,
  packageVersion,
  parseProviders,
  percentile,
  postgresVersion,
  removeTempDirs,
  sqliteVersion,
  startNode,
  stopNodeAfter,
  waitFor,
} from "./lib";

const { values: opts } = parseArgs({
  options: {
    jobs: { type: "string", default: "1000" },
    db: { type: "string", default: "both" },
    "latency-runs": { type: "string", default: "200" },
    "latency-every-ms": { type: "string", default: "20" },
    "no-compare": { type: "boolean", default: false },
  },
});
const JOBS = Number(opts.jobs);
const LATENCY_RUNS = Number(opts["latency-runs"]);
const LATENCY_EVERY_MS = Number(opts["latency-every-ms"]);
if (![JOBS, LATENCY_RUNS, LATENCY_EVERY_MS].every((n) => Number.isInteger(n) && n > 0)) throw new Error("--jobs, --latency-runs and --latency-every-ms take positive integers");
const PROVIDERS = parseProviders(opts.db);
const MAX_THREADS = 10;
const WARMUP_RUNS = 10;
const COMMAND = ["npx tsx bench/engine.ts", ...process.argv.slice(2)].join(" ");

const HOME = benchHome("jobwarden-bench");
const { initDatabase } = await import("~/server/services/setup/init-database");
const { createNode } = await import("~/server/services/nodes/create-node");
const { SYSTEM_ACTOR } = await import("~/server/services/audit/create-audit-event");
const { enqueueRun } = await import("~/server/services/runs/enqueue-run");

type Latency = { runs: number; everyMs: number; p50: number; p90: number; p99: number; max: number };
type Row = {
  database: string;
  payload: string;
  pollMs: string;
  runs: number;
  throughput: number | null;
  enqueueRate: number | null;
  latency: Latency | null;
  note?: string;
  /** 1-minute load average of the machine when the row was measured (other processes skew results). */
  load?: string;
  /** Enqueues retried after SQLITE_BUSY. */
  lockedRetries?: number;
};

const rows: Row[] = [];
const notes: string[] = [];

const load = () => os.loadavg()[0]!.toFixed(1);

async function waitNodeReady(db: Db, nodeId: number, spawnedAt: number, node: NodeProc) {
  await waitFor(
    "the node to report itself running",
    async () => {
      const r = await db.nodeReport.findUnique({ where: { nodeId } });
      const c = r?.counters as { state?: string; pollers?: unknown[] } | undefined;
      return r && r.reportedAt.getTime() >= spawnedAt && c?.state === "running" && (c.pollers?.length ?? 0) > 0;
    },
    60_000,
    100,
    node,
  );
  // PostgreSQL: LISTEN is set up just after the first report; the warm-up runs cover the rest.
  await sleep(500);
}

// ---------------------------------------------------------------- measurements

/** Waits until every run in [first, last] is in History; returns those rows. */
async function waitHistory(db: Db, first: number, last: number, node: NodeProc, everyMs = 50) {
  const n = last - first + 1;
  const where = { id: { gte: first, lte: last } };
  await waitFor(`${n} runs (${first}…${last}) in History`, async () => (await db.history.count({ where })) === n, 600_000, everyMs, node);
  const hist = await db.history.findMany({ where, select: { id: true, state: true, endReason: true, enqueuedAt: true, startedAt: true, endedAt: true } });
  const bad = hist.filter((h) => h.state !== "ENDED");
  if (bad.length) throw new Error(`${bad.length} of ${n} runs did not end ENDED, e.g. run ${bad[0]!.id}: ${bad[0]!.state} ${bad[0]!.endReason ?? ""}`);
  return hist;
}

/**
 * SQLite: enqueueRun's transaction (a read, then a write, after a deferred BEGIN) can fail with
 * SQLITE_BUSY while the node process writes: "database is locked" (SQLITE_BUSY_SNAPSHOT) or
 * "Operation has timed out" (how the Prisma adapter reports a plain SQLITE_BUSY). Such enqueues
 * are retried and counted: the count is reported, with how long the slowest failed attempt took.
 */
let lockedRetries = 0;
let slowestFailedAttemptMs = 0;
const SQLITE_BUSY_MESSAGES = ["database is locked", "Operation has timed out"];
async function enqueue(db: Db, applicationName: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const t = performance.now();
    try {
      return (await enqueueRun(db, { applicationName })).id;
    } catch (err) {
      const busy = err instanceof Error && SQLITE_BUSY_MESSAGES.some((m) => err.message.includes(m));
      if (attempt >= 20 || !busy) throw err;
      lockedRetries++;
      slowestFailedAttemptMs = Math.max(slowestFailedAttemptMs, performance.now() - t);
    }
  }
}

async function enqueueMany(db: Db, applicationName: string, n: number) {
  let first = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const id = await enqueue(db, applicationName);
    if (i === 0) first = id;
    last = id;
  }
  return { first, last };
}

/** N runs enqueued back to back; from the first enqueue to the last endedAt in History. */
async function measureThroughput(db: Db, applicationName: string, n: number, node: NodeProc) {
  const t0 = Date.now();
  const { first, last } = await enqueueMany(db, applicationName, n);
  const enqueueMs = Date.now() - t0;
  const hist = await waitHistory(db, first, last, node);
  const end = Math.max(...hist.map((h) => h.endedAt.getTime()));
  return { throughput: n / ((end - t0) / 1000), enqueueRate: n / (enqueueMs / 1000) };
}

/** One run every `everyMs` on an idle node; startedAt - enqueuedAt from History. */
async function measureLatency(db: Db, applicationName: string, n: number, everyMs: number, node: NodeProc): Promise<Latency> {
  const t0 = performance.now();
  let first = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const wait = t0 + i * everyMs - performance.now();
    if (wait > 0) await sleep(wait);
    const id = await enqueue(db, applicationName);
    if (i === 0) first = id;
    last = id;
  }
  const hist = await waitHistory(db, first, last, node);
  const lat = hist.map((h) => h.startedAt!.getTime() - h.enqueuedAt.getTime()).sort((a, b) => a - b);
  return { runs: n, everyMs, p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat[lat.length - 1]! };
}

// ---------------------------------------------------------------- Jobwarden

const JOB_DEFS = [
  { applicationName: "BenchNoopNode", payloadType: "node" as const, path: "noop.mjs" },
  { applicationName: "BenchTrue", payloadType: "exec" as const, path: "/bin/true" },
];
/** What is measured, each with its own node process. */
const PAYLOADS: { label: string; applicationName: string; nodeEnv?: Record<string, string> }[] = [
  { label: "node (no-op)", applicationName: "BenchNoopNode" },
  { label: "exec /bin/true", applicationName: "BenchTrue" },
];

async function benchJobwarden(provider: Provider) {
  log(`${provider}: creating a throwaway database`);
  const t = await createBenchDb(provider, { pgPrefix: "jobwarden_bench", dirPrefix: "jobwarden-bench-db" });
  try {
    await initDatabase(t.db, { migrate: false });
    const queue = await t.db.queue.findFirstOrThrow({ where: { isDefault: true } });
    const node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `bench-${provider}`, host: "127.0.0.1", port: 0 });
    const mapping = await t.db.queueMapping.findFirstOrThrow({ where: { nodeId: node.id, queueId: queue.id } });
    mkdirSync(node.jobsDir, { recursive: true });
    writeFileSync(join(node.jobsDir, "noop.mjs"), "export async function run() {}\n");
    for (const d of JOB_DEFS) await t.db.jobDef.create({ data: { ...d, queueId: queue.id, parameters: {} } });

    // SQLite has no cross-process wake-up: an enqueue waits for the next poll. Measure both intervals there.
    const intervals = provider === "sqlite" ? [1000, 100] : [1000];
    for (const pollingIntervalMs of intervals) {
      await t.db.queueMapping.update({ where: { id: mapping.id }, data: { maxThreads: MAX_THREADS, pollingIntervalMs } });
      for (const p of PAYLOADS) {
        log(`${provider}, poll ${pollingIntervalMs} ms, ${p.label}: starting the node`);
        const spawnedAt = Date.now();
        const proc = startNode(node.name, t.url, HOME, p.nodeEnv);
        lockedRetries = 0;
        slowestFailedAttemptMs = 0;
        let failed = false;
        try {
          await waitNodeReady(t.db, node.id, spawnedAt, proc);
          const warm = await enqueueMany(t.db, p.applicationName, WARMUP_RUNS);
          await waitHistory(t.db, warm.first, warm.last, proc);
          const loadBefore = load();
          log(`  throughput: ${JOBS} runs`);
          const tp = await measureThroughput(t.db, p.applicationName, JOBS, proc);
          log(`  → ${tp.throughput.toFixed(1)} runs/s (enqueue ${tp.enqueueRate.toFixed(0)}/s)`);
          // Idle gap of random length, so that the first enqueues do not fall at a fixed phase of the poll timer.
          await sleep(1000 + Math.random() * 1000);
          // An idle node: runs are offered at most at half the throughput just measured, else the
          // latency would measure the backlog rather than the wake-up path.
          const everyMs = Math.max(LATENCY_EVERY_MS, Math.ceil(2000 / tp.throughput));
          log(`  latency: ${LATENCY_RUNS} runs, one every ${everyMs} ms`);
          const latency = await measureLatency(t.db, p.applicationName, LATENCY_RUNS, everyMs, proc);
          log(`  → p50 ${latency.p50} p90 ${latency.p90} p99 ${latency.p99} max ${latency.max} ms`);
          rows.push({ database: databaseLabel(provider), payload: `Jobwarden ${p.label}`, pollMs: String(pollingIntervalMs), runs: JOBS, ...tp, latency, lockedRetries, load: `${loadBefore}→${load()}` });
          if (lockedRetries) notes.push(`${provider}, poll ${pollingIntervalMs} ms, ${p.label}: ${lockedRetries} enqueues failed with SQLITE_BUSY and were retried; the slowest failed attempt took ${slowestFailedAttemptMs.toFixed(0)} ms.`);
        } catch (err) {
          failed = true;
          throw err;
        } finally {
          await stopNodeAfter(proc, failed);
        }
      }
    }
  } finally {
    await t.drop();
  }
}

// ---------------------------------------------------------------- graphile-worker and pg-boss

async function waitRemaining(what: string, remaining: () => Promise<number>) {
  await waitFor(what, async () => (await remaining()) === 0, 600_000, 10);
  return Date.now();
}

async function countQuery(client: pg.Client, sql: string) {
  return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
}

/** graphile-worker in this process: concurrency 10, a no-op task; done when its job table is empty. */
async function benchGraphile(n: number) {
  const { run, Logger } = await import("graphile-worker");
  const version = packageVersion("graphile-worker");
  const { url, drop } = await createPgDatabase("jobwarden_bench_graphile");
  const probe = new pg.Client({ connectionString: url });
  try {
    const logger = new Logger(() => (level, message) => {
      if (level === "error") log(`graphile-worker: ${message}`);
    });
    const runner = await run({ connectionString: url, concurrency: MAX_THREADS, noHandleSignals: true, pollInterval: 1000, logger, taskList: { noop: async () => undefined } });
    try {
      await probe.connect();
      const remaining = () => countQuery(probe, "SELECT count(*) AS n FROM graphile_worker._private_jobs");
      for (let i = 0; i < WARMUP_RUNS; i++) await runner.addJob("noop", {});
      await waitRemaining("graphile-worker warm-up", remaining);
      const loadBefore = load();
      const t0 = Date.now();
      for (let i = 0; i < n; i++) await runner.addJob("noop", {});
      const enqueueMs = Date.now() - t0;
      const end = await waitRemaining("graphile-worker jobs", remaining);
      rows.push({ database: "PostgreSQL", payload: `graphile-worker ${version} (in-process no-op, concurrency ${MAX_THREADS})`, pollMs: "1000 + LISTEN", runs: n, throughput: n / ((end - t0) / 1000), enqueueRate: n / (enqueueMs / 1000), latency: null, load: `${loadBefore}→${load()}` });
    } finally {
      await runner.stop();
    }
  } finally {
    await probe.end().catch(() => undefined);
    await drop();
  }
}

/** pg-boss in this process: 10 workers of batch size 1, a no-op handler; done when no job is left uncompleted. */
async function benchPgBoss(n: number) {
  const { default: PgBoss } = await import("pg-boss");
  const version = packageVersion("pg-boss");
  const { url, drop } = await createPgDatabase("jobwarden_bench_pgboss");
  const probe = new pg.Client({ connectionString: url });
  try {
    const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false, max: MAX_THREADS + 2 });
    boss.on("error", (err: Error) => log(`pg-boss: ${err.message}`));
    await boss.start();
    try {
      await boss.createQueue("noop");
      for (let i = 0; i < MAX_THREADS; i++) await boss.work("noop", { batchSize: 1, pollingIntervalSeconds: 0.5 }, async () => undefined);
      await probe.connect();
      const remaining = () => countQuery(probe, "SELECT count(*) AS n FROM pgboss.job WHERE name = 'noop' AND state <> 'completed'");
      for (let i = 0; i < WARMUP_RUNS; i++) await boss.send("noop", {});
      await waitRemaining("pg-boss warm-up", remaining);
      const loadBefore = load();
      const t0 = Date.now();
      for (let i = 0; i < n; i++) await boss.send("noop", {});
      const enqueueMs = Date.now() - t0;
      const end = await waitRemaining("pg-boss jobs", remaining);
      rows.push({ database: "PostgreSQL", payload: `pg-boss ${version} (in-process no-op, ${MAX_THREADS} workers × batch 1)`, pollMs: "500", runs: n, throughput: n / ((end - t0) / 1000), enqueueRate: n / (enqueueMs / 1000), latency: null, load: `${loadBefore}→${load()}` });
    } finally {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    }
  } finally {
    await probe.end().catch(() => undefined);
    await drop();
  }
}

async function compare(name: string, fn: () => Promise<void>) {
  log(`postgresql: ${name}, ${JOBS} no-op jobs`);
  try {
    await fn();
    const r = rows[rows.length - 1]!;
    log(`  → ${r.throughput!.toFixed(1)} jobs/s (enqueue ${r.enqueueRate!.toFixed(0)}/s)`);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    log(`  ${name} failed: ${msg}`);
    notes.push(`${name} could not be measured: ${msg}`);
    rows.push({ database: "PostgreSQL", payload: name, pollMs: "", runs: JOBS, throughput: null, enqueueRate: null, latency: null, note: "failed" });
  }
}

// ---------------------------------------------------------------- report

async function machine() {
  const lines = [...machineLines(), `- Node.js ${process.version}`];
  if (PROVIDERS.includes("sqlite")) lines.push(`- SQLite ${sqliteVersion()} (better-sqlite3, WAL)`);
  if (PROVIDERS.includes("postgresql")) lines.push(`- ${(await postgresVersion()).version}, local, default settings`);
  return lines.join("\n");
}

function table() {
  const f = (x: number | null | undefined, digits = 0) => (x == null ? "—" : x.toFixed(digits));
  const out = [
    "| database | payload | poll ms | runs | throughput runs/s | enqueue runs/s | latency runs, spacing | p50 ms | p90 ms | p99 ms | max ms | enqueues retried (SQLITE_BUSY) | load avg |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.database} | ${r.payload} | ${r.pollMs} | ${r.runs} | ${r.note ?? f(r.throughput, 1)} | ${f(r.enqueueRate)} | ${r.latency ? `${r.latency.runs}, 1 per ${r.latency.everyMs} ms` : "—"} | ${f(r.latency?.p50)} | ${f(r.latency?.p90)} | ${f(r.latency?.p99)} | ${f(r.latency?.max)} | ${r.lockedRetries ?? "—"} | ${r.load ?? "—"} |`,
    );
  }
  return out.join("\n");
}

// Interrupted: no node process or temp folder is left behind (a PostgreSQL database may be: jobwarden_bench_*).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const c of children) c.kill("SIGKILL");
    removeTempDirs();
    process.exit(130);
  });
}

let exitCode = 0;
try {
  const started = Date.now();
  for (const provider of PROVIDERS) await benchJobwarden(provider);
  if (PROVIDERS.includes("postgresql") && !opts["no-compare"]) {
    await compare("graphile-worker", () => benchGraphile(JOBS));
    await compare("pg-boss", () => benchPgBoss(JOBS));
  }
  const report = [
    `Command: \`${COMMAND}\`${PG_URL_FROM_ENV ? " (BENCH_PG_URL set)" : ""}`,
    "",
    "Machine:",
    await machine(),
    "",
    `One node process, one mapping on the default queue (maxThreads ${MAX_THREADS}), default NODE_HEARTBEAT_MS. ` +
      `${WARMUP_RUNS} warm-up runs before each measurement. Throughput: ${JOBS} runs enqueued back to back by the bench process, ` +
      `from the first enqueue to the last endedAt in History. Latency: startedAt − enqueuedAt of ${LATENCY_RUNS} runs enqueued one at a time, ` +
      `every ${LATENCY_EVERY_MS} ms or slower so that at most half the measured throughput is offered (the node stays idle). ` +
      "load avg: the machine's 1-minute load average before → after the row (it counts the bench and its node too).",
    "",
    table(),
    ...(notes.length ? ["", ...notes.map((n) => `- ${n}`)] : []),
    "",
    `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ].join("\n");
  process.stdout.write(`${report}\n`);
} catch (err) {
  exitCode = 1;
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  for (const c of children) c.kill("SIGKILL");
  removeTempDirs();
}
process.exit(exitCode);
