/* eslint-disable no-restricted-properties */
/**
 * What the bench scripts share: a throwaway JOBWARDEN_HOME, throwaway SQLite files and PostgreSQL
 * databases with every migration applied, real node processes, and the machine description.
 *
 * Nothing here imports src/ at load time: the app reads its settings once, at import (~/env), so a
 * script calls benchHome() first and only then imports (dynamically) what it needs from src/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import type { Db } from "~/server/db";

export type Provider = "sqlite" | "postgresql";

/** A role that may CREATEDB (scripts/pg-local.sh start); BENCH_PG_URL, or setPgUrl() from a flag. */
let PG_URL = process.env.BENCH_PG_URL || "postgresql://postgres@127.0.0.1:54329/postgres";
export const PG_URL_FROM_ENV = Boolean(process.env.BENCH_PG_URL);

export const pgUrl = () => PG_URL;

export function setPgUrl(url: string) {
  PG_URL = url;
}

/** `--db sqlite|postgresql|both` → the providers to measure, in that order. */
export function parseProviders(db: string): Provider[] {
  if (!["sqlite", "postgresql", "both"].includes(db)) throw new Error("--db sqlite|postgresql|both");
  return (db === "both" ? ["sqlite", "postgresql"] : [db]) as Provider[];
}

export const databaseLabel = (provider: Provider) => (provider === "sqlite" ? "SQLite" : "PostgreSQL");

export function log(msg: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
}

/** Temp folders a script made: removed by removeTempDirs() (also on SIGINT/SIGTERM). */
export const tempDirs = new Set<string>();
/** Node processes started by startNode() and not yet exited. */
export const children = new Set<ChildProcess>();

export function removeTempDirs() {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * A throwaway JOBWARDEN_HOME (node folders, session secret, root password file) and an unused
 * DATABASE_URL, set in process.env before anything from src/ is imported.
 */
export function benchHome(prefix: string): string {
  const home = mkdtempSync(join(os.tmpdir(), `${prefix}-`));
  tempDirs.add(home);
  process.env.JOBWARDEN_HOME = home;
  process.env.DATABASE_URL = `file:${join(home, "unused.db")}`;
  return home;
}

// ---------------------------------------------------------------- throwaway databases

export function migrationScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => readFileSync(join(dir, name, "migration.sql"), "utf8"));
}

/** An empty PostgreSQL database `<prefix>_<uuid>` on the bench server; `drop` removes it (WITH FORCE). */
export async function createPgDatabase(prefix: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

export type BenchDb = {
  db: Db;
  url: string;
  provider: Provider;
  /** The SQLite file (SQLite only). */
  file?: string;
  drop: () => Promise<void>;
};

/**
 * Same as src/test/test-db.ts createTestDb(), but for the provider asked (that one reads TEST_DB once):
 * a SQLite file in a temp folder named `<dirPrefix>-…`, or a database `<pgPrefix>_<uuid>`.
 */
export async function createBenchDb(provider: Provider, { pgPrefix, dirPrefix }: { pgPrefix: string; dirPrefix: string }): Promise<BenchDb> {
  const { createDb } = await import("~/server/db");
  if (provider === "postgresql") {
    const { url, drop } = await createPgDatabase(pgPrefix);
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const sql of migrationScripts("prisma/postgres/migrations")) await client.query(sql);
      await client.end();
    } catch (err) {
      await drop();
      throw err;
    }
    const db = createDb(url);
    return {
      db,
      url,
      provider,
      drop: async () => {
        await db.$disconnect();
        await drop();
      },
    };
  }
  const dir = mkdtempSync(join(os.tmpdir(), `${dirPrefix}-`));
  tempDirs.add(dir);
  const file = join(dir, "bench.db");
  const sqlite = new Database(file);
  for (const sql of migrationScripts("prisma/migrations")) sqlite.exec(sql);
  sqlite.close();
  const db = createDb(`file:${file}`);
  return {
    db,
    url: `file:${file}`,
    provider,
    file,
    drop: async () => {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
  };
}

// ---------------------------------------------------------------- node process

export type NodeProc = { child: ChildProcess; tail: () => string; exited: Promise<number | null> };

/** `jobwarden node start` as in src/test/node-process.ts, but with the default clocks (NODE_HEARTBEAT_MS…). */
export function startNode(name: string, databaseUrl: string, home: string, extraEnv: Record<string, string> = {}): NodeProc {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["NODE_HEARTBEAT_MS", "NODE_STOP_GRACE_MS", "NODE_KILL_GRACE_MS", "LOG_LEVEL", "NODE_ENV"]) delete childEnv[k];
  Object.assign(childEnv, { DATABASE_URL: databaseUrl, JOBWARDEN_HOME: home, ...extraEnv });
  const child = spawn(process.execPath, ["bin/jobwarden.mjs", "node", "start", "--name", name], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, tail: () => out, exited };
}

export async function stopNode(p: NodeProc) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
  const code = await Promise.race([p.exited, sleep(60_000).then(() => "timeout" as const)]);
  if (code === "timeout") {
    p.child.kill("SIGKILL");
    await p.exited;
    throw new Error("the node did not stop within 60 s of SIGTERM");
  }
  if (code !== 0) throw new Error(`the node exited with code ${code}:\n${p.tail()}`);
}

/** Stops a node started by the caller; after a failure, errors of the stop itself are swallowed. */
export async function stopNodeAfter(p: NodeProc, failed: boolean) {
  const stopAt = Date.now();
  const stopped = stopNode(p);
  if (failed) await stopped.catch(() => undefined);
  else await stopped;
  log(`  node stopped in ${((Date.now() - stopAt) / 1000).toFixed(1)} s`);
}

export async function waitFor<T>(what: string, check: () => Promise<T>, timeoutMs: number, everyMs: number, node?: NodeProc): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (node && node.child.exitCode !== null) throw new Error(`the node exited (code ${node.child.exitCode}) while waiting for ${what}:\n${node.tail()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${node ? `\n${node.tail()}` : ""}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- report

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function sqliteVersion(): string {
  const m = new Database(":memory:");
  const v = (m.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  m.close();
  return v;
}

/** "PostgreSQL 15.18" and, when asked, some settings as "name=value". */
export async function postgresVersion(settings: string[] = []): Promise<{ version: string; settings: string[] }> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const version = (await c.query<{ v: string }>("SELECT version() AS v")).rows[0]!.v.split(" on ")[0]!;
    const rows = settings.length
      ? (await c.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name", [settings])).rows
      : [];
    return { version, settings: rows.map((s) => `${s.name}=${s.setting}`) };
  } finally {
    await c.end();
  }
}

/** CPU, memory and OS lines of the "Machine:" part of a report. */
export function machineLines(): string[] {
  const cpus = os.cpus();
  return [`- CPU: ${cpus.length} × ${cpus[0]?.model.trim() ?? "?"}`, `- memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`, `- OS: ${os.type()} ${os.release()} (${os.arch()})`];
}

export const packageVersion = (name: string) => (JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")) as { version: string }).version;
