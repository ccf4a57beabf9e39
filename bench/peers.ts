/**
 * Jobwarden beside its peers, in one run on one local PostgreSQL server (docs/benchmarks.md, "Engine
 * and peers"): ONE real node process (`node bin/jobwarden.mjs node start`, default clocks, one mapping
 * of maxThreads 10) running no-op node payloads and exec `/bin/true`; graphile-worker and pg-boss in
 * this process (concurrency 10, no-op handlers); and two ceilings: a bare claim+complete in raw SQL
 * through node-postgres (the driver under Prisma's adapter) with 10 connections, and the rate at which
 * Node spawns `/bin/true`, 10 at a time. Jobwarden is also measured on SQLite.
 *
 * For each: N pre-filled jobs drained (the clock starts when they are released or the workers
 * start), N jobs added one at a time by a producer while the workers drain them, and enqueue→start
 * latency on an idle queue (p50/p95/p99). Per run of the pre-filled drain: database statements
 * (pg_stat_statements, BEGIN and COMMIT included: each is a round trip), and the CPU time of the
 * process that runs the jobs (Jobwarden: the node process; the peers: this process).
 *
 *   npx tsx bench/peers.ts [--jobs N] [--latency-runs N] [--db sqlite|postgresql|both]
 *                          [--only jobwarden,graphile,pgboss,ceilings] [--write docs/benchmarks.md]
 *                          [--cpu-prof DIR]   (CPU profiles of the node processes, for Chrome DevTools)
 *
 * PostgreSQL server: BENCH_PG_URL (a role that may CREATEDB), default postgresql://postgres@127.0.0.1:54329/postgres
 * (scripts/pg-local.sh start: it loads pg_stat_statements). --write replaces the part of the file
 * between the markers `<!-- bench/peers.ts begin -->` and `<!-- bench/peers.ts end -->`.
 * Binds no port (the node's API listens on 127.0.0.1, port 0); every database, node process and temp
 * folder it makes is removed before it exits.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  pgUrl,
  postgresVersion,
  removeTempDirs,
  sqliteVersion,
  startNode,
  stopNodeAfter,
  waitFor,
} from "./lib";

const { values: opts } = parseArgs({
  options: {
    jobs: { type: "string", default: "10000" },
    "latency-runs": { type: "string", default: "200" },
    db: { type: "string", default: "both" },
    only: { type: "string", default: "jobwarden,graphile,pgboss,ceilings" },
    write: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const JOBS = Number(opts.jobs);
const LATENCY_RUNS = Number(opts["latency-runs"]);
if (![JOBS, LATENCY_RUNS].every((n) => Number.isInteger(n) && n > 0)) throw new Error("--jobs and --latency-runs take positive integers");
const PROVIDERS = parseProviders(opts.db);
const ONLY = new Set(opts.only.split(","));
const CONCURRENCY = 10;
const WARMUP_RUNS = 20;
/** Latency runs are spaced so that the queue stays idle: at most 50 per second, and at most half the drain rate just measured. */
const LATENCY_EVERY_MS = 20;
const latencySpacing = (jobsPerSecond: number) => Math.max(LATENCY_EVERY_MS, Math.ceil(2000 / jobsPerSecond));
const COMMAND = ["npx tsx bench/peers.ts", ...process.argv.slice(2)].join(" ");

const HOME = benchHome("jobwarden-peers");
const { initDatabase } = await import("~/server/services/setup/init-database");
const { createNode } = await import("~/server/services/nodes/create-node");
const { SYSTEM_ACTOR } = await import("~/server/services/audit/create-audit-event");
const { enqueueRun, notifyEnqueued } = await import("~/server/services/runs/enqueue-run");

// ---------------------------------------------------------------- what is measured

type Drain = { jobsPerSecond: number; statementsPerJob: number | null; cpuMsPerJob: number | null };
type Latency = { p50: number; p95: number; p99: number };
type Row = {
  system: string;
  database: string;
  prefilled?: Drain;
  producer?: Drain & { producerPerSecond: number };
  latency?: Latency;
  note?: string;
};
const rows: Row[] = [];
const notes: string[] = [];
const load = () => os.loadavg()[0]!.toFixed(1);
const loads: string[] = [];

/** CPU time (user + system) a process has used, from /proc (Linux clock ticks of 10 ms). */
function processCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Statements PostgreSQL executed in a database so far (pg_stat_statements), or null when it is not loaded. */
let statStatements = false;
async function enableStatStatements() {
  const c = new pg.Client({ connectionString: pgUrl() });
  await c.connect();
  try {
    await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await c.query("SELECT count(*) FROM pg_stat_statements");
    statStatements = true;
  } catch (err) {
    notes.push(`Statements per job are not measured: pg_stat_statements is not loaded (${(err as Error).message}); scripts/pg-local.sh starts PostgreSQL with it.`);
  } finally {
    await c.end();
  }
}
async function statementsIn(database: string): Promise<number | null> {
  if (!statStatements) return null;
  const c = new pg.Client({ connectionString: pgUrl() });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>("SELECT coalesce(sum(s.calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1", [database]);
    return Number(r.rows[0]!.n);
  } finally {
    await c.end();
  }
}

/** A connection that counts its own queries, so that they can be taken out of the database's statement count. */
class Probe {
  queries = 0;
  private constructor(private readonly client: pg.Client) {}
  static async open(url: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new Probe(client);
  }
  async count(sql: string, params: unknown[] = []) {
    this.queries++;
    return Number((await this.client.query<{ n: string }>(sql, params)).rows[0]!.n);
  }
  close() {
    return this.client.end().catch(() => undefined);
  }
}

/** Measures what one drain of `jobs` jobs cost: statements in `database` (less `otherStatements()`), CPU of `pid`. */
async function costOf(jobs: number, database: string | null, pid: number | null, otherStatements: () => number, drain: () => Promise<number>): Promise<Drain> {
  const statementsBefore = database ? await statementsIn(database) : null;
  const cpuBefore = pid ? processCpuMs(pid) : ownCpuMs();
  const seconds = await drain();
  const cpuAfter = pid ? processCpuMs(pid) : ownCpuMs();
  const statementsAfter = database ? await statementsIn(database) : null;
  return {
    jobsPerSecond: jobs / seconds,
    statementsPerJob: statementsBefore !== null && statementsAfter !== null ? (statementsAfter - statementsBefore - otherStatements()) / jobs : null,
    cpuMsPerJob: cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / jobs : null,
  };
}

const latencyOf = (samples: number[]): Latency => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
};

/** Calls `add(i)` LATENCY_RUNS times, one every `everyMs` or when the previous add returned. */
async function spaced(everyMs: number, add: (i: number) => Promise<void>) {
  const t0 = performance.now();
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const wait = t0 + i * everyMs - performance.now();
    if (wait > 0) await sleep(wait);
    await add(i);
  }
}

// ---------------------------------------------------------------- Jobwarden

const PAYLOADS = [
  { label: "node payload (no-op)", applicationName: "BenchNoopNode", payloadType: "node" as const, path: "noop.mjs" },
  { label: "exec /bin/true", applicationName: "BenchTrue", payloadType: "exec" as const, path: "/bin/true" },
];

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
}

/** Waits until History holds every run in [first, last]; returns the latest end (ms) and the runs' start latencies. */
async function waitHistory(db: Db, probe: Probe | null, first: number, last: number, node: NodeProc) {
  const n = last - first + 1;
  const count = () =>
    probe ? probe.count(`SELECT count(*) AS n FROM "History" WHERE "id" BETWEEN $1 AND $2`, [first, last]) : db.history.count({ where: { id: { gte: first, lte: last } } });
  await waitFor(`${n} runs (${first}…${last}) in History`, async () => (await count()) === n, 1_800_000, 100, node);
  const hist = await db.history.findMany({ where: { id: { gte: first, lte: last } }, select: { id: true, state: true, endReason: true, enqueuedAt: true, startedAt: true, endedAt: true } });
  const bad = hist.filter((h) => h.state !== "ENDED");
  if (bad.length) throw new Error(`${bad.length} of ${n} runs did not end ENDED, e.g. run ${bad[0]!.id}: ${bad[0]!.state} ${bad[0]!.endReason ?? ""}`);
  return { lastEnd: Math.max(...hist.map((h) => h.endedAt.getTime())), latencies: hist.map((h) => h.startedAt!.getTime() - h.enqueuedAt.getTime()) };
}

async function enqueueMany(db: Db, applicationName: string, n: number) {
  let first = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const { id } = await enqueueRun(db, { applicationName });
    if (i === 0) first = id;
    last = id;
  }
  return { first, last };
}

/** N runs written HOLDED in bulk, then released at once (as a resume of held runs does). */
async function prefill(db: Db, jobDefId: number, queueId: number, n: number) {
  for (let done = 0; done < n; done += 1000) {
    const chunk = Math.min(1000, n - done);
    await db.jobInstance.createMany({ data: Array.from({ length: chunk }, (_, i) => ({ jobDefId, queueId, state: "HOLDED" as const, position: done + i, parameters: {} })) });
  }
  const ids = await db.jobInstance.aggregate({ where: { state: "HOLDED", queueId }, _min: { id: true }, _max: { id: true } });
  return {
    first: ids._min.id!,
    last: ids._max.id!,
    release: async () => {
      await db.jobInstance.updateMany({ where: { state: "HOLDED", queueId }, data: { state: "SUBMITTED" } });
      await notifyEnqueued(db, queueId);
    },
  };
}

async function benchJobwarden(provider: Provider) {
  log(`Jobwarden on ${provider}: creating a throwaway database`);
  const t = await createBenchDb(provider, { pgPrefix: "jobwarden_peers", dirPrefix: "jobwarden-peers-db" });
  const database = provider === "postgresql" ? new URL(t.url).pathname.slice(1) : null;
  const probe = database ? await Probe.open(t.url) : null;
  try {
    await initDatabase(t.db, { migrate: false });
    const queue = await t.db.queue.findFirstOrThrow({ where: { isDefault: true } });
    const node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `peers-${provider}`, host: "127.0.0.1", port: 0 });
    await t.db.queueMapping.updateMany({ where: { nodeId: node.id, queueId: queue.id }, data: { maxThreads: CONCURRENCY } });
    mkdirSync(node.jobsDir, { recursive: true });
    writeFileSync(join(node.jobsDir, "noop.mjs"), "export async function run() {}\n");
    for (const p of PAYLOADS) {
      const jd = await t.db.jobDef.create({ data: { applicationName: p.applicationName, payloadType: p.payloadType, path: p.path, queueId: queue.id, parameters: {} } });
      log(`  ${p.label}: pre-filling ${JOBS} runs (held), then starting the node`);
      const filled = await prefill(t.db, jd.id, queue.id, JOBS);
      const spawnedAt = Date.now();
      const proc = startNode(node.name, t.url, HOME, opts["cpu-prof"] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${opts["cpu-prof"]}` } : {});
      let failed = false;
      try {
        await waitNodeReady(t.db, node.id, spawnedAt, proc);
        const warm = await enqueueMany(t.db, p.applicationName, WARMUP_RUNS);
        await waitHistory(t.db, probe, warm.first, warm.last, proc);
        const row: Row = { system: `Jobwarden, ${p.label}`, database: databaseLabel(provider) };
        const loadBefore = load();
        const probeBefore = probe?.queries ?? 0;
        row.prefilled = await costOf(JOBS, database, proc.child.pid!, () => (probe?.queries ?? 0) - probeBefore + 2, async () => {
          const t0 = Date.now();
          await filled.release();
          return ((await waitHistory(t.db, probe, filled.first, filled.last, proc)).lastEnd - t0) / 1000;
        });
        log(`    pre-filled: ${row.prefilled.jobsPerSecond.toFixed(0)} runs/s`);
        let producerMs = 0;
        const produced = await costOf(JOBS, null, proc.child.pid!, () => 0, async () => {
          const t0 = Date.now();
          const { first, last } = await enqueueMany(t.db, p.applicationName, JOBS);
          producerMs = Date.now() - t0;
          return ((await waitHistory(t.db, probe, first, last, proc)).lastEnd - t0) / 1000;
        });
        row.producer = { ...produced, producerPerSecond: JOBS / (producerMs / 1000) };
        log(`    with a producer: ${row.producer.jobsPerSecond.toFixed(0)} runs/s (producer ${row.producer.producerPerSecond.toFixed(0)}/s)`);
        let first = 0;
        let last = 0;
        await spaced(latencySpacing(row.prefilled.jobsPerSecond), async (i) => {
          const { id } = await enqueueRun(t.db, { applicationName: p.applicationName });
          if (i === 0) first = id;
          last = id;
        });
        row.latency = latencyOf((await waitHistory(t.db, probe, first, last, proc)).latencies);
        log(`    latency p50 ${row.latency.p50} ms`);
        loads.push(`${row.system} (${row.database}): ${loadBefore}→${load()}`);
        rows.push(row);
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        await stopNodeAfter(proc, failed);
      }
    }
  } finally {
    await probe?.close();
    await t.drop();
  }
}

// ---------------------------------------------------------------- graphile-worker and pg-boss

/** Resolves once `count()` reaches `n`. */
function counter() {
  let n = 0;
  let waiters: { target: number; resolve: () => void }[] = [];
  return {
    hit() {
      n++;
      waiters = waiters.filter((w) => (n >= w.target ? (w.resolve(), false) : true));
    },
    get value() {
      return n;
    },
    reach(target: number) {
      return n >= target ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ target, resolve }));
    },
  };
}

async function benchGraphile() {
  const { run, makeWorkerUtils, Logger } = await import("graphile-worker");
  const system = `graphile-worker ${packageVersion("graphile-worker")}, in-process no-op, concurrency ${CONCURRENCY}`;
  const { name: database, url, drop } = await createPgDatabase("jobwarden_peers_graphile");
  const probe = await Probe.open(url);
  const logger = new Logger(() => (level, message) => {
    if (level === "error") log(`graphile-worker: ${message}`);
  });
  const utils = await makeWorkerUtils({ connectionString: url, logger });
  const done = counter();
  const started: number[] = [];
  const remaining = () => probe.count("SELECT count(*) AS n FROM graphile_worker._private_jobs");
  const emptied = () => waitFor("graphile-worker's job table to empty", async () => (await remaining()) === 0, 600_000, 20);
  try {
    await utils.migrate();
    const row: Row = { system, database: "PostgreSQL" };
    for (let i = 0; i < JOBS; i += 1000) await utils.addJobs(Array.from({ length: Math.min(1000, JOBS - i) }, () => ({ identifier: "noop", payload: {} })));
    const loadBefore = load();
    let runner: Awaited<ReturnType<typeof run>> | undefined;
    const taskList = {
      noop: async (payload: unknown) => {
        const t = (payload as { t?: number }).t;
        if (t) started.push(Date.now() - t);
        done.hit();
      },
    };
    const probeBefore = probe.queries;
    row.prefilled = await costOf(JOBS, database, null, () => probe.queries - probeBefore, async () => {
      const t0 = Date.now();
      runner = await run({ connectionString: url, concurrency: CONCURRENCY, noHandleSignals: true, pollInterval: 1000, logger, taskList });
      await done.reach(JOBS);
      await emptied();
      return (Date.now() - t0) / 1000;
    });
    try {
      let producerMs = 0;
      const produced = await costOf(JOBS, null, null, () => 0, async () => {
        const t0 = Date.now();
        for (let i = 0; i < JOBS; i++) await runner!.addJob("noop", {});
        producerMs = Date.now() - t0;
        await done.reach(2 * JOBS);
        await emptied();
        return (Date.now() - t0) / 1000;
      });
      row.producer = { ...produced, producerPerSecond: JOBS / (producerMs / 1000) };
      await spaced(latencySpacing(row.prefilled!.jobsPerSecond), async () => {
        await runner!.addJob("noop", { t: Date.now() });
      });
      await done.reach(2 * JOBS + LATENCY_RUNS);
      row.latency = latencyOf(started);
    } finally {
      await runner?.stop();
    }
    loads.push(`${system}: ${loadBefore}→${load()}`);
    rows.push(row);
  } finally {
    await utils.release();
    await probe.close();
    await drop();
  }
}

/** pg-boss fetches batchSize jobs per worker per polling interval (0.5 s at least): its drain rate is bounded by that. */
const PGBOSS_BATCH = 50;

async function benchPgBoss() {
  const { default: PgBoss } = await import("pg-boss");
  const system = `pg-boss ${packageVersion("pg-boss")}, in-process no-op, ${CONCURRENCY} workers × batch ${PGBOSS_BATCH}, polling 0.5 s`;
  const { name: database, url, drop } = await createPgDatabase("jobwarden_peers_pgboss");
  const probe = await Probe.open(url);
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false, max: CONCURRENCY + 2 });
  boss.on("error", (err: Error) => log(`pg-boss: ${err.message}`));
  const done = counter();
  const started: number[] = [];
  const remaining = () => probe.count("SELECT count(*) AS n FROM pgboss.job WHERE name = 'noop' AND state <> 'completed'");
  const emptied = () => waitFor("pg-boss to complete every job", async () => (await remaining()) === 0, 600_000, 20);
  try {
    await boss.start();
    await boss.createQueue("noop");
    const row: Row = { system, database: "PostgreSQL" };
    for (let i = 0; i < JOBS; i += 1000) await boss.insert(Array.from({ length: Math.min(1000, JOBS - i) }, () => ({ name: "noop", data: {} })));
    const loadBefore = load();
    const probeBefore = probe.queries;
    row.prefilled = await costOf(JOBS, database, null, () => probe.queries - probeBefore, async () => {
      const t0 = Date.now();
      for (let i = 0; i < CONCURRENCY; i++) {
        await boss.work<{ t?: number }>("noop", { batchSize: PGBOSS_BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const job of jobs) {
            if (job.data.t) started.push(Date.now() - job.data.t);
            done.hit();
          }
        });
      }
      await done.reach(JOBS);
      await emptied();
      return (Date.now() - t0) / 1000;
    });
    let producerMs = 0;
    const produced = await costOf(JOBS, null, null, () => 0, async () => {
      const t0 = Date.now();
      for (let i = 0; i < JOBS; i++) await boss.send("noop", {});
      producerMs = Date.now() - t0;
      await done.reach(2 * JOBS);
      await emptied();
      return (Date.now() - t0) / 1000;
    });
    row.producer = { ...produced, producerPerSecond: JOBS / (producerMs / 1000) };
    await spaced(latencySpacing(row.prefilled.jobsPerSecond), async () => {
      await boss.send("noop", { t: Date.now() });
    });
    await done.reach(2 * JOBS + LATENCY_RUNS);
    row.latency = latencyOf(started);
    loads.push(`${system}: ${loadBefore}→${load()}`);
    rows.push(row);
  } finally {
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
    await probe.close();
    await drop();
  }
}

// ---------------------------------------------------------------- ceilings

/** Claim one job (FOR UPDATE SKIP LOCKED), then delete it: two statements per job, 10 connections. */
async function benchRawSql() {
  const system = `ceiling: claim + complete in raw SQL (node-postgres ${packageVersion("pg")}, ${CONCURRENCY} connections)`;
  const { name: database, url, drop } = await createPgDatabase("jobwarden_peers_raw");
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  try {
    await pool.query(`CREATE TABLE job (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'queued', payload jsonb NOT NULL DEFAULT '{}')`);
    await pool.query(`INSERT INTO job (payload) SELECT '{}' FROM generate_series(1, $1)`, [JOBS]);
    const prefilled = await costOf(JOBS, database, null, () => CONCURRENCY, async () => {
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (;;) {
            const r = await pool.query<{ id: string }>(
              `UPDATE job SET state = 'running' WHERE id = (SELECT id FROM job WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`,
            );
            if (!r.rows.length) return;
            await pool.query("DELETE FROM job WHERE id = $1", [r.rows[0]!.id]);
          }
        }),
      );
      return (Date.now() - t0) / 1000;
    });
    rows.push({ system, database: "PostgreSQL", prefilled });
  } finally {
    await pool.end();
    await drop();
  }
}

/** `/bin/true` spawned 10 at a time from this process. */
async function benchSpawn() {
  const n = Math.min(JOBS, 5000);
  const spawnTrue = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn("/bin/true", [], { stdio: "ignore" });
      child.on("error", reject);
      child.on("exit", () => resolve());
    });
  let left = n;
  const prefilled = await costOf(n, null, null, () => 0, async () => {
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left-- > 0) await spawnTrue();
      }),
    );
    return (Date.now() - t0) / 1000;
  });
  rows.push({ system: `ceiling: spawn /bin/true from Node, ${CONCURRENCY} at a time (${n} processes)`, database: "—", prefilled });
}

async function measure(name: string, fn: () => Promise<void>) {
  log(name);
  try {
    await fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    log(`  ${name} failed: ${msg}`);
    notes.push(`${name} could not be measured: ${msg}`);
    rows.push({ system: name, database: "", note: "failed" });
  }
}

// ---------------------------------------------------------------- report

const f = (x: number | null | undefined, digits = 0) => (x == null ? "—" : x.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : "—");

function tables(): string {
  const graphile = rows.find((r) => r.system.startsWith("graphile-worker"));
  const spawnCeiling = rows.find((r) => r.system.startsWith("ceiling: spawn"));
  const out = [
    "| system | database | pre-filled jobs/s | with a producer jobs/s (producer/s) | vs graphile-worker, pre-filled / producer | statements per job | CPU ms per job |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const vs = r.system.startsWith("Jobwarden, exec") && spawnCeiling
      ? `${ratio(r.prefilled?.jobsPerSecond, spawnCeiling.prefilled?.jobsPerSecond)} of the spawn ceiling`
      : r === graphile || !graphile || r.system.startsWith("ceiling")
        ? "—"
        : `${ratio(r.prefilled?.jobsPerSecond, graphile.prefilled?.jobsPerSecond)} / ${ratio(r.producer?.jobsPerSecond, graphile.producer?.jobsPerSecond)}`;
    out.push(
      `| ${r.system} | ${r.database} | ${r.note ?? f(r.prefilled?.jobsPerSecond)} | ${r.producer ? `${f(r.producer.jobsPerSecond)} (${f(r.producer.producerPerSecond)})` : "—"} | ${vs} | ${f(r.prefilled?.statementsPerJob, 2)} | ${f(r.prefilled?.cpuMsPerJob, 2)} |`,
    );
  }
  const latency = rows.filter((r) => r.latency);
  out.push(
    "",
    `Enqueue→start on an idle queue, ${LATENCY_RUNS} jobs one at a time, one every ${LATENCY_EVERY_MS} ms or slower (at most half the system's pre-filled rate):`,
    "",
    "| system | database | p50 ms | p95 ms | p99 ms |",
    "|---|---|---:|---:|---:|",
    ...latency.map((r) => `| ${r.system} | ${r.database} | ${r.latency!.p50} | ${r.latency!.p95} | ${r.latency!.p99} |`),
  );
  return out.join("\n");
}

async function machine() {
  const lines = [...machineLines(), `- Node.js ${process.version}`];
  if (PROVIDERS.includes("sqlite")) lines.push(`- SQLite ${sqliteVersion()} (better-sqlite3, WAL)`);
  const pgInfo = await postgresVersion(["fsync", "shared_buffers"]);
  lines.push(`- ${pgInfo.version}, local (${pgInfo.settings.join(", ")})`);
  return lines.join("\n");
}

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
  await enableStatStatements();
  if (ONLY.has("jobwarden")) for (const provider of [...PROVIDERS].reverse()) await measure(`Jobwarden on ${provider}`, () => benchJobwarden(provider));
  if (ONLY.has("graphile")) await measure("graphile-worker", benchGraphile);
  if (ONLY.has("pgboss")) await measure("pg-boss", benchPgBoss);
  if (ONLY.has("ceilings")) {
    await measure("raw SQL ceiling", benchRawSql);
    await measure("spawn ceiling", benchSpawn);
  }
  const report = [
    `Command: \`${COMMAND}\`${PG_URL_FROM_ENV ? " (BENCH_PG_URL set)" : ""}, ${new Date().toISOString().slice(0, 10)}`,
    "",
    "Machine:",
    await machine(),
    "",
    `${JOBS} jobs per measurement, ${CONCURRENCY} at a time (Jobwarden: one node, maxThreads ${CONCURRENCY}; ${WARMUP_RUNS} warm-up runs first). ` +
      "Pre-filled: the jobs are written before the clock starts (Jobwarden: held, then released by one UPDATE and a wake-up; the peers: " +
      "inserted in bulk before their workers start) and it stops when the last one has ended. With a producer: this process adds the jobs " +
      "one at a time (Jobwarden: `enqueueRun`, what the APIs call) while they are worked off. Statements per job: pg_stat_statements " +
      "calls in the job database during the pre-filled drain, the bench's own queries taken out. CPU ms per job: the process that " +
      "runs the jobs (Jobwarden's node; this process for the peers and the ceilings), during the drain.",
    "",
    tables(),
    ...(notes.length ? ["", ...notes.map((n) => `- ${n}`)] : []),
    "",
    `1-minute load average before → after each system: ${loads.join("; ")}. Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  ].join("\n");
  process.stdout.write(`${report}\n`);
  if (opts.write) {
    const doc = readFileSync(opts.write, "utf8");
    const [begin, end] = ["<!-- bench/peers.ts begin -->", "<!-- bench/peers.ts end -->"];
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${opts.write} has no ${begin} … ${end} markers`);
    writeFileSync(opts.write, `${doc.slice(0, a + begin.length)}\n${report}\n${doc.slice(b)}`);
    log(`wrote ${opts.write}`);
  }
} catch (err) {
  exitCode = 1;
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  for (const c of children) c.kill("SIGKILL");
  removeTempDirs();
}
process.exit(exitCode);
