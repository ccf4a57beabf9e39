/**
 * Console benchmark: the runs list (History tab) at 1,000,000 history rows, through the tRPC caller as
 * the console calls it, next to the bare SQL for the same rows through the driver (better-sqlite3 / pg),
 * on a throwaway SQLite file and/or a throwaway PostgreSQL database.
 *
 *   npx tsx bench/console.ts [--rows 1000000] [--iterations 30] [--warmup 3] [--db sqlite|postgresql|both]
 *                            [--pg-url postgresql://…]
 *
 * Seeding: initDatabase, 5 queues, 50 job definitions, a user with the role administrator, then
 * --rows History rows in bulk (SQLite: recursive CTE, 100,000 rows per INSERT, one transaction;
 * PostgreSQL: INSERT … SELECT generate_series, then VACUUM ANALYZE as autovacuum would). Ids 1…N in
 * enqueue order over the last 90 days; applications skewed (the most common ~14 %, the rarest ~0.1 %);
 * ~94 % ENDED, ~4 % CRASHED, ~2 % CANCELLED; 4 nodes, 40 users (20 % of runs have none), sessions,
 * parents, keywords on 10 %; parameters {}.
 *
 * Cases (see makeCases): the first page, a deep page (a keyset cursor ~90 % into the table), a filtered page
 * (one application + CRASHED), what else the page calls per request (run.jobDefNames, and the
 * principal every tRPC request loads), some other filters a user can set, and a date range sorted by
 * end time. For each: --warmup rounds, then --iterations rounds; in each round every case runs the
 * caller and the bare SQL back to back (alternating which goes first). The caller and the SQL must return the same ids.
 *
 * PostgreSQL server: --pg-url or BENCH_PG_URL (a role that may CREATEDB), default
 * postgresql://postgres@127.0.0.1:54329/postgres. Binds no port; the databases and temp folders it
 * makes are removed before it exits.
 */
import { statSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import {
  type BenchDb,
  type Provider,
  PG_URL_FROM_ENV,
  benchHome,
  createBenchDb,
  databaseLabel,
  log,
  machineLines,
  parseProviders,
  percentile,
  postgresVersion,
  removeTempDirs,
  setPgUrl,
  sqliteVersion,
} from "./lib";
import { HISTORY_ROW_COLUMNS } from "~/server/services/runs/history-page";

const { values: opts } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    iterations: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
    db: { type: "string", default: "both" },
    "pg-url": { type: "string" },
  },
});
const ROWS = Number(opts.rows);
const ITERATIONS = Number(opts.iterations);
const WARMUP = Number(opts.warmup);
if (!(Number.isInteger(ROWS) && ROWS >= 1000 && ROWS <= 50_000_000)) throw new Error("--rows takes an integer from 1000 to 50,000,000");
if (!(Number.isInteger(ITERATIONS) && ITERATIONS > 0)) throw new Error("--iterations takes a positive integer");
if (!(Number.isInteger(WARMUP) && WARMUP >= 0)) throw new Error("--warmup takes an integer ≥ 0");
const PROVIDERS = parseProviders(opts.db);
if (opts["pg-url"]) setPgUrl(opts["pg-url"]);
const COMMAND = ["npx tsx bench/console.ts", ...process.argv.slice(2)].join(" ");

benchHome("jobwarden-bench-console");

const { initDatabase } = await import("~/server/services/setup/init-database");
const { createUser } = await import("~/server/services/users/create-user");
const { getPrincipal } = await import("~/server/services/auth/get-principal");
const { SYSTEM_ACTOR } = await import("~/server/services/audit/create-audit-event");
const { createCaller } = await import("~/server/api/root");
const { createInnerTRPCContext } = await import("~/server/api/trpc");

type FindInput = Parameters<ReturnType<typeof createCaller>["run"]["find"]>[0];

// ---------------------------------------------------------------- data

const DAY_MS = 86_400_000;
const SPAN_MS = 90 * DAY_MS;
/** Run 1 was enqueued 90 days before the bench started; run N a moment ago. */
const T0 = Date.now() - SPAN_MS;
const STEP_MS = SPAN_MS / ROWS;
const BATCH = 100_000;

const QUEUES = ["DEFAULT", "BATCH", "REPORTS", "URGENT", "NIGHTLY"];
const VERBS = ["Invoice", "Payroll", "Ledger", "Customer", "Stock", "Order", "Shipment", "Price", "Audit", "Mail"];
const NOUNS = ["Export", "Import", "Report", "Sync", "Purge"];
/** 50 applications; with k = floor(50·r²) the first ones are the most common. */
const APPS = Array.from({ length: 50 }, (_, k) => ({ name: `${VERBS[k % 10]}${NOUNS[Math.floor(k / 10)]}`, queue: QUEUES[k % QUEUES.length]! }));
/** ≈ 2.2 % of the runs, ≈ 880 CRASHED ones per million. */
const FILTER_APP = APPS[10]!.name;
const HISTORY_COLUMNS = [
  "id",
  "jobDefId",
  "applicationName",
  "queueName",
  "nodeName",
  "state",
  "returnCode",
  "endReason",
  "parentId",
  "progress",
  "priority",
  "parameters",
  "application",
  "module",
  "keyword1",
  "keyword2",
  "keyword3",
  "userName",
  "sessionId",
  "email",
  "enqueuedAt",
  "attributedAt",
  "startedAt",
  "endedAt",
] as const;

/** The columns the runs list selects (history-page.ts). */
const LIST_COLUMNS: readonly string[] = HISTORY_ROW_COLUMNS;

/** What differs between the two SQL dialects in this script. */
type Dialect = {
  provider: Provider;
  /** Parameter placeholder n (1-based). */
  p: (n: number) => string;
  int: (x: string) => string;
  /** Epoch milliseconds → the column's DateTime representation (as Prisma writes it). */
  date: (ms: string) => string;
  state: (x: string) => string;
  json: (x: string) => string;
  /** The state column as Prisma selects it. */
  stateColumn: string;
};

const SQLITE: Dialect = {
  provider: "sqlite",
  p: () => "?",
  int: (x) => `CAST((${x}) AS INTEGER)`,
  date: (ms) => `(strftime('%Y-%m-%dT%H:%M:%f', (${ms}) / 1000.0, 'unixepoch') || '+00:00')`,
  state: (x) => x,
  json: (x) => x,
  stateColumn: `"state"`,
};
const POSTGRES: Dialect = {
  provider: "postgresql",
  p: (n) => `$${n}`,
  int: (x) => `floor(${x})::int`,
  date: (ms) => `(to_timestamp((${ms}) / 1000.0) AT TIME ZONE 'UTC')`,
  state: (x) => `(${x})::"JobState"`,
  json: (x) => `${x}::jsonb`,
  stateColumn: `"state"::text`,
};

/**
 * One INSERT of the runs first…last. The random draws (uniform in [0, 1)) are columns of the generated
 * rows, so that every expression of a row sees the same values.
 */
function seedSql(d: Dialect, jobDefIds: Map<string, number>, first: number, last: number) {
  const draws = ["ra", "rs", "rn", "ru", "rx", "rw", "rd", "rk", "rp"];
  const apps = APPS.map((a, k) => `(${k}, '${a.name}', ${jobDefIds.get(a.name)!}, '${a.queue}')`).join(", ");
  const state = `CASE WHEN g.rs < 0.94 THEN 'ENDED' WHEN g.rs < 0.98 THEN 'CRASHED' ELSE 'CANCELLED' END`;
  const enq = `(${T0} + (g.i - 1) * ${STEP_MS})`;
  const start = `(${enq} + ${d.int("g.rw * g.rw * 30000")})`;
  const end = `(${start} + CASE WHEN g.rs >= 0.98 THEN 0 ELSE ${d.int("g.rd * g.rd * g.rd * 1800000")} + 200 END)`;
  const started = `CASE WHEN g.rs >= 0.98 THEN NULL ELSE ${d.date(start)} END`;
  const values: Record<(typeof HISTORY_COLUMNS)[number], string> = {
    id: "g.i",
    jobDefId: "apps.jd",
    applicationName: "apps.name",
    queueName: "apps.queue",
    nodeName: `CASE WHEN g.rs >= 0.98 THEN NULL ELSE 'node' || (1 + ${d.int("g.rn * 4")}) END`,
    state: d.state(state),
    returnCode: "CASE WHEN g.rs < 0.94 THEN 0 WHEN g.rs < 0.98 THEN 1 ELSE NULL END",
    endReason: "CASE WHEN g.rs < 0.94 THEN NULL WHEN g.rs < 0.98 THEN 'exit code 1' ELSE 'cancelled by operator' END",
    parentId: `CASE WHEN g.rp < 0.05 AND g.i > 10 THEN g.i - 1 - ${d.int("g.rk * 9")} ELSE NULL END`,
    progress: "NULL",
    priority: "0",
    parameters: d.json(`'{}'`),
    application: "NULL",
    module: "NULL",
    keyword1: "CASE WHEN g.rk < 0.05 THEN 'EU' WHEN g.rk < 0.08 THEN 'US' WHEN g.rk < 0.1 THEN 'APAC' ELSE NULL END",
    keyword2: "NULL",
    keyword3: "NULL",
    userName: `CASE WHEN g.ru < 0.2 THEN NULL ELSE 'user' || (10 + ${d.int("(g.ru - 0.2) / 0.8 * 40")}) END`,
    sessionId: `CASE WHEN g.rx < 0.3 THEN 'sess-' || ${d.int("g.i / 25")} ELSE NULL END`,
    email: "NULL",
    enqueuedAt: d.date(enq),
    attributedAt: started,
    startedAt: started,
    endedAt: d.date(end),
  };
  const columns = HISTORY_COLUMNS.map((c) => `"${c}"`).join(", ");
  const select = HISTORY_COLUMNS.map((c) => values[c]).join(",\n    ");
  const appsCte = `apps(k, name, jd, queue) AS (VALUES ${apps})`;
  const join = `FROM g JOIN apps ON apps.k = ${d.int("50 * g.ra * g.ra")}`;
  if (d.provider === "sqlite") {
    const u = "((random() & 4294967295) / 4294967296.0)";
    return `WITH RECURSIVE g(i, ${draws.join(", ")}) AS (
  SELECT ${first}, ${draws.map(() => u).join(", ")}
  UNION ALL SELECT i + 1, ${draws.map(() => u).join(", ")} FROM g WHERE i < ${last}
), ${appsCte}
INSERT INTO "History" (${columns})
SELECT ${select}
${join}`;
  }
  return `WITH g AS MATERIALIZED (SELECT i, ${draws.map((r) => `random() AS ${r}`).join(", ")} FROM generate_series(${first}::bigint, ${last}::bigint) AS i), ${appsCte}
INSERT INTO "History" (${columns})
SELECT ${select}
${join}`;
}

/** A driver connection of its own, beside the Prisma client: the seed and the bare SQL go through it. */
type Raw = {
  all: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
  exec: (sql: string) => Promise<void>;
  explain: (sql: string, params: unknown[]) => Promise<string>;
  close: () => Promise<void>;
};

async function openRaw(t: BenchDb): Promise<Raw> {
  if (t.provider === "sqlite") {
    const s = new Database(t.file!);
    s.pragma("journal_mode = WAL");
    return {
      all: async (sql, params) => s.prepare(sql).all(...params) as Record<string, unknown>[],
      exec: async (sql) => void s.exec(sql),
      explain: async (sql, params) =>
        (s.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("\n"),
      close: async () => void s.close(),
    };
  }
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  return {
    all: async (sql, params) => (await c.query(sql, params)).rows as Record<string, unknown>[],
    exec: async (sql) => void (await c.query(sql)),
    explain: async (sql, params) =>
      (await c.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n"),
    close: () => c.end(),
  };
}

// ---------------------------------------------------------------- cases

type Case = {
  key: string;
  label: string;
  /** What the console runs (a tRPC caller procedure, or what every tRPC request does first). */
  call: () => Promise<number[]>;
  /** The same rows through the driver: SQL and its parameters. */
  sql: string;
  params: unknown[];
  /** Ids of the SQL rows, to compare with the caller's. */
  ids: (rows: Record<string, unknown>[]) => number[];
};

const PAGE = 50;

/** The History SELECT Prisma issues for findRuns (same columns, WHERE, ORDER BY, LIMIT/OFFSET). */
function historySql(d: Dialect, where: { sql: (p: (v: unknown) => string) => string; orderBy?: string } | null) {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return d.p(params.length);
  };
  const columns = LIST_COLUMNS.map((c) => (c === "state" ? d.stateColumn : `"${c}"`)).join(", ");
  const w = where ? where.sql(p) : "1=1";
  const sql = `SELECT ${columns} FROM "History" WHERE ${w} ORDER BY ${where?.orderBy ?? '"id" DESC'} LIMIT ${p(PAGE + 1)} OFFSET ${p(0)}`;
  return { sql, params };
}

const stateIn = (d: Dialect, p: (v: unknown) => string, states: string[]) =>
  `"state" IN (${states.map((s) => (d.provider === "postgresql" ? `CAST(${p(s)}::text AS "JobState")` : p(s))).join(", ")})`;

function makeCases(d: Dialect, caller: ReturnType<typeof createCaller>, db: BenchDb["db"], userId: number): Case[] {
  const findIds = (input: FindInput) => async () => (await caller.run.find(input)).items.map((r) => r.id);
  const historyIds = (rows: Record<string, unknown>[]) => rows.slice(0, PAGE).map((r) => Number(r.id));
  const deepCursor = ROWS - Math.round(ROWS * 0.9) + 1;
  const endedBefore = new Date(T0 + 30 * DAY_MS);
  const history = (key: string, label: string, input: Omit<FindInput, "tab" | "limit">, where: Parameters<typeof historySql>[1]): Case => ({
    key,
    label,
    call: findIds({ tab: "history", limit: PAGE, ...input }),
    ...historySql(d, where),
    ids: historyIds,
  });
  return [
    history("a", "first page", {}, null),
    history("b", `deep page (cursor ${deepCursor}, ~${Math.round(ROWS * 0.9).toLocaleString("en")} rows in)`, { cursor: String(deepCursor) }, { sql: (p) => `"id" < ${p(deepCursor)}` }),
    history("c", `filtered: application ${FILTER_APP} + CRASHED`, { applicationName: FILTER_APP, state: ["CRASHED"] }, {
      sql: (p) => `(${stateIn(d, p, ["CRASHED"])} AND "applicationName" = ${p(FILTER_APP)})`,
    }),
    {
      key: "d1",
      label: "run.jobDefNames (application filter list)",
      call: async () => (await caller.run.jobDefNames()).map((j) => j.applicationName.length),
      sql: `SELECT "applicationName", "description", "enabled" FROM "JobDef" ORDER BY "applicationName" ASC`,
      params: [],
      ids: (rows) => rows.map((r) => String(r.applicationName).length),
    },
    {
      key: "d2",
      label: "principal of the session (getPrincipal, every tRPC request)",
      call: async () => {
        const principal = await getPrincipal(db, userId);
        return principal ? [principal.id, principal.permissions.length] : [];
      },
      sql: `SELECT u."id", u."login", u."locked", u."expiresAt", r."name", p."permission" FROM "User" u LEFT JOIN "_RoleToUser" ru ON ru."B" = u."id" LEFT JOIN "Role" r ON r."id" = ru."A" LEFT JOIN "RolePermission" p ON p."roleId" = r."id" WHERE u."id" = ${d.p(1)}`,
      params: [userId],
      ids: (rows) => (rows.length ? [Number(rows[0]!.id), new Set(rows.map((r) => r.permission).filter(Boolean)).size] : []),
    },
    history("e", "user user23", { user: "user23" }, { sql: (p) => `"userName" = ${p("user23")}` }),
    history("f", "states ENDED + CANCELLED", { state: ["ENDED", "CANCELLED"] }, { sql: (p) => stateIn(d, p, ["ENDED", "CANCELLED"]) }),
    history("g", `ended before ${endedBefore.toISOString().slice(0, 10)} (runs older than 60 days)`, { endedBefore }, {
      sql: (p) => `"endedAt" <= ${p(endedBefore.toISOString().replace("Z", d.provider === "sqlite" ? "+00:00" : ""))}`,
    }),
    history("h", "keyword matching no run", { keyword: "NOPE" }, {
      sql: (p) => `("keyword1" = ${p("NOPE")} OR "keyword2" = ${p("NOPE")} OR "keyword3" = ${p("NOPE")})`,
    }),
    history("i", `ended before ${endedBefore.toISOString().slice(0, 10)}, sorted by end time`, { endedBefore, sort: "endedLatest" }, {
      sql: (p) => `"endedAt" <= ${p(endedBefore.toISOString().replace("Z", d.provider === "sqlite" ? "+00:00" : ""))}`,
      orderBy: '"endedAt" DESC, "id" DESC',
    }),
  ];
}

// ---------------------------------------------------------------- measurement

type Result = {
  database: string;
  c: Case;
  callerMs: number[];
  sqlMs: number[];
};
type DbInfo = { database: string; seedS: number; sizeMb: number; stateCounts: string; plans: { c: Case; plan: string }[] };

const results: Result[] = [];
const infos: DbInfo[] = [];

async function time(fn: () => Promise<unknown>) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function benchProvider(provider: Provider) {
  const database = databaseLabel(provider);
  const d = provider === "sqlite" ? SQLITE : POSTGRES;
  log(`${provider}: creating a throwaway database`);
  const t = await createBenchDb(provider, { pgPrefix: "jobwarden_bench_console", dirPrefix: "jobwarden-bench-console-db" });
  let raw: Raw | null = null;
  try {
    await initDatabase(t.db, { migrate: false });
    for (const name of QUEUES.slice(1)) await t.db.queue.create({ data: { name, description: `Benchmark queue ${name}` } });
    const queueIds = new Map((await t.db.queue.findMany({ select: { id: true, name: true } })).map((q) => [q.name, q.id]));
    await t.db.jobDef.createMany({
      data: APPS.map((a) => ({ applicationName: a.name, description: `Benchmark ${a.name}`, queueId: queueIds.get(a.queue)!, payloadType: "exec" as const, path: "/bin/true", parameters: {} })),
    });
    const jobDefIds = new Map((await t.db.jobDef.findMany({ select: { id: true, applicationName: true } })).map((j) => [j.applicationName, j.id]));
    const { user } = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "bench-admin", roles: ["administrator"] });
    const principal = await getPrincipal(t.db, user.id);
    if (!principal) throw new Error("the bench administrator cannot be loaded");
    const caller = createCaller(createInnerTRPCContext({ db: t.db, principal, fromAddress: "127.0.0.1" }));

    raw = await openRaw(t);
    log(`${provider}: seeding ${ROWS.toLocaleString("en")} History rows`);
    const seedStart = performance.now();
    if (provider === "sqlite") await raw.exec("BEGIN");
    for (let first = 1; first <= ROWS; first += BATCH) {
      const last = Math.min(ROWS, first + BATCH - 1);
      await raw.exec(seedSql(d, jobDefIds, first, last));
      log(`  ${last.toLocaleString("en")} rows (${((performance.now() - seedStart) / 1000).toFixed(0)} s)`);
    }
    if (provider === "sqlite") {
      await raw.exec("COMMIT");
      await raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } else {
      log("  VACUUM ANALYZE");
      await raw.exec(`VACUUM ANALYZE "History"`);
    }
    const seedS = (performance.now() - seedStart) / 1000;
    const counts = await raw.all(`SELECT ${d.stateColumn} AS state, count(*) AS n FROM "History" GROUP BY "state" ORDER BY 2 DESC`, []);
    const total = counts.reduce((s, r) => s + Number(r.n), 0);
    if (total !== ROWS) throw new Error(`seeded ${total} History rows, not ${ROWS}`);
    const inconsistent = await raw.all(`SELECT count(*) AS n FROM "History" WHERE ("state" = 'ENDED' AND "returnCode" <> 0) OR ("state" <> 'ENDED' AND "returnCode" = 0)`, []);
    if (Number(inconsistent[0]!.n) !== 0) throw new Error("the seed drew different random values for one row");
    const sizeMb =
      provider === "sqlite"
        ? statSync(t.file!).size / 1024 ** 2
        : Number((await raw.all(`SELECT pg_total_relation_size('"History"') AS b`, []))[0]!.b) / 1024 ** 2;
    const stateCounts = counts.map((r) => `${String(r.state)} ${((100 * Number(r.n)) / ROWS).toFixed(1)} %`).join(", ");
    log(`  seeded in ${seedS.toFixed(0)} s, ${sizeMb.toFixed(0)} MB (History and its indexes${provider === "sqlite" ? ", whole file" : ""}); ${stateCounts}`);

    const cases = makeCases(d, caller, t.db, user.id);
    const plans: DbInfo["plans"] = [];
    for (const c of cases) {
      const [viaCaller, viaSql] = [await c.call(), c.ids(await raw.all(c.sql, c.params))];
      if (JSON.stringify(viaCaller) !== JSON.stringify(viaSql)) {
        throw new Error(`case ${c.key} (${c.label}): the caller and the SQL disagree:\n${JSON.stringify(viaCaller)}\n${JSON.stringify(viaSql)}`);
      }
      plans.push({ c, plan: await raw.explain(c.sql, c.params) });
    }
    infos.push({ database, seedS, sizeMb, stateCounts, plans });

    const callerMs = cases.map(() => [] as number[]);
    const sqlMs = cases.map(() => [] as number[]);
    const r = raw;
    const loadBefore = os.loadavg()[0]!.toFixed(1);
    log(`${provider}: ${WARMUP} warm-up rounds, then ${ITERATIONS} measured rounds of ${cases.length} cases`);
    for (let round = 0; round < WARMUP + ITERATIONS; round++) {
      for (const [i, c] of cases.entries()) {
        const viaCaller = () => time(c.call);
        const viaSql = () => time(() => r.all(c.sql, c.params));
        const [a, b] = round % 2 === 0 ? [await viaCaller(), await viaSql()] : [await viaSql(), await viaCaller()].reverse();
        if (round >= WARMUP) {
          callerMs[i]!.push(a!);
          sqlMs[i]!.push(b!);
        }
      }
    }
    log(`  load average ${loadBefore} → ${os.loadavg()[0]!.toFixed(1)}`);
    for (const [i, c] of cases.entries()) {
      const res = { database, c, callerMs: callerMs[i]!.sort((x, y) => x - y), sqlMs: sqlMs[i]!.sort((x, y) => x - y) };
      results.push(res);
      log(`  ${c.key} ${c.label}: caller ${fmt(percentile(res.callerMs, 50))} ms, SQL ${fmt(percentile(res.sqlMs, 50))} ms (medians)`);
    }
  } finally {
    await raw?.close().catch(() => undefined);
    await t.drop();
  }
}

// ---------------------------------------------------------------- report

function fmt(ms: number) {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function table() {
  const out = [
    "| database | case | caller median ms | caller p95 ms | SQL median ms | SQL p95 ms | caller / SQL (medians) |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    const cm = percentile(r.callerMs, 50);
    const sm = percentile(r.sqlMs, 50);
    out.push(`| ${r.database} | ${r.c.key}) ${r.c.label} | ${fmt(cm)} | ${fmt(percentile(r.callerMs, 95))} | ${fmt(sm)} | ${fmt(percentile(r.sqlMs, 95))} | ${(cm / sm).toFixed(1)} |`);
  }
  return out.join("\n");
}

async function machine() {
  const lines = [...machineLines(), `- Node.js ${process.version}`];
  if (PROVIDERS.includes("sqlite")) lines.push(`- SQLite ${sqliteVersion()} (better-sqlite3, WAL, synchronous NORMAL; no ANALYZE, as in the app)`);
  if (PROVIDERS.includes("postgresql")) {
    const { version, settings } = await postgresVersion(["fsync", "shared_buffers", "work_mem"]);
    lines.push(`- ${version}, local (${settings.join(", ")})`);
  }
  return lines.join("\n");
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    // A PostgreSQL database jobwarden_bench_console_* may be left behind.
    removeTempDirs();
    process.exit(130);
  });
}

let exitCode = 0;
try {
  const started = Date.now();
  for (const provider of PROVIDERS) await benchProvider(provider);
  const report = [
    `Command: \`${COMMAND}\`${PG_URL_FROM_ENV && !opts["pg-url"] ? " (BENCH_PG_URL set)" : ""}`,
    "",
    "Machine:",
    await machine(),
    "",
    `${ROWS.toLocaleString("en")} History rows. ${WARMUP} warm-up rounds, then ${ITERATIONS} rounds; in each round every case runs through the caller and as bare SQL, ` +
      "back to back, alternating which goes first. Caller: `createCaller` from src/server/api/root.ts with an administrator principal (no HTTP, no superjson). " +
      "SQL: the same statement through better-sqlite3 / pg on a connection of its own, prepared on every call.",
    "",
    ...infos.map((i) => `- ${i.database}: seeded in ${i.seedS.toFixed(0)} s, ${i.sizeMb.toFixed(0)} MB; ${i.stateCounts}`),
    "",
    table(),
    "",
    "Plans of the bare SQL (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), first run after the seed):",
    "",
    ...infos.flatMap((i) => i.plans.map(({ c, plan }) => `${i.database} ${c.key}) ${c.label}\n  ${c.sql.replace(/SELECT "id", .* FROM "History"/, 'SELECT … FROM "History"')}\n${plan.replace(/^/gm, "    ")}\n`)),
    `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ].join("\n");
  process.stdout.write(`${report}\n`);
} catch (err) {
  exitCode = 1;
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  removeTempDirs();
}
process.exit(exitCode);
