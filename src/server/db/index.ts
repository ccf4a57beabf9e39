import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { env, isPostgresUrl } from "~/env";
import { PrismaClient as PgClient } from "~/generated/pg/client";
import { PrismaClient as SqliteClient } from "~/generated/sqlite/client";
import { type Dialect, postgresDialect, sqliteDialect } from "./dialect";

/** App code is typed against the SQLite client: that keeps it inside what both providers support. */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

// The console and the nodes share the SQLite file: WAL lets readers run beside one writer,
// busy_timeout makes a writer wait for the lock instead of failing at once.
const SQLITE_PRAGMAS = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/** What Prisma's SQLite adapter calls on a better-sqlite3 statement. */
type Statement = {
  readonly reader: boolean;
  bind(args: unknown[]): Statement;
  run(...args: unknown[]): unknown;
  columns(): unknown[];
  raw(on?: boolean): { all(...args: unknown[]): unknown[] };
};

const STATEMENT_CACHE_SIZE = 500;

/**
 * Prisma's SQLite adapter prepares every statement again for each call (compiling its SQL each time,
 * a fifth of a busy node's SQLite time, docs/benchmarks.md): statements are kept by their SQL, and each
 * call gets a thin statement whose bind() keeps the arguments for its run() or raw().all() (a
 * better-sqlite3 statement binds once only). BEGIN becomes BEGIN IMMEDIATE (see connect()).
 */
function cachedStatements(prepare: (sql: string) => Statement) {
  const cache = new Map<string, Statement>();
  return (sql: string): Statement => {
    const text = sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql;
    let stmt = cache.get(text);
    if (!stmt) {
      stmt = prepare(text);
      cache.set(text, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    const prepared = stmt;
    let bound: unknown[] = [];
    const call: Statement = {
      get reader() {
        return prepared.reader;
      },
      bind(args) {
        bound = args;
        return call;
      },
      run: () => prepared.run(...bound),
      columns: () => prepared.columns(),
      raw: () => ({ all: () => prepared.raw(true).all(...bound) }),
    };
    return call;
  };
}

function sqliteAdapter(url: string) {
  const file = url.replace(/^file:/, "");
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const inner = new PrismaBetterSQLite3({ url, timeout: 10_000 });
  return {
    provider: "sqlite" as const,
    adapterName: inner.adapterName,
    async connect() {
      const adapter = await inner.connect();
      await adapter.executeScript(SQLITE_PRAGMAS);
      // Prisma opens transactions with a deferred BEGIN: one that reads, then writes while another
      // process committed meanwhile, fails at once with SQLITE_BUSY (a stale WAL snapshot) instead of
      // waiting. BEGIN IMMEDIATE takes the write lock first, so the busy timeout applies. The adapter
      // has no option for it: docs/database.md says how to remove this patch.
      const client = (adapter as unknown as { client: { prepare(sql: string): Statement } }).client;
      client.prepare = cachedStatements(client.prepare.bind(client));
      return adapter;
    },
  };
}

/** Each client carries its dialect (a property, so that wrappers of the client still find it). */
const DIALECT = Symbol("jobwarden.dialect");
const withDialect = (client: Db, dialect: Dialect) => Object.defineProperty(client, DIALECT, { value: dialect });
/** A PostgreSQL client's node-postgres pool, for the statements that bypass Prisma (sql.ts). */
const POOL = Symbol("jobwarden.pool");

/**
 * node-postgres pool for Prisma's adapter, whose every connection always has an error listener. The
 * pool listens only while a connection is idle, and the adapter only inside a transaction: a
 * connection the pool has just handed over to a transaction, whose listener is not attached yet, that
 * reads a FATAL message from the server in that instant (a restart: "terminating connection due to
 * administrator command") emitted an 'error' nobody heard, and that ended the node process. The
 * connection is dropped all the same: the pool discards it when it is released, and the query or
 * transaction on it fails.
 */
export function createPgPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on("connect", (client) => client.on("error", () => undefined));
  pool.on("error", () => undefined);
  return pool;
}

export function createDb(url: string = env.DATABASE_URL): Db {
  if (isPostgresUrl(url)) {
    const pool = createPgPool(url);
    const client = withDialect(new PgClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }) as unknown as Db, postgresDialect(url));
    return Object.defineProperty(client, POOL, { value: pool });
  }
  const file = url.replace(/^file:/, "");
  return withDialect(new SqliteClient({ adapter: sqliteAdapter(url) }), sqliteDialect(file === ":memory:" ? null : resolve(file)));
}

/** The SQL that differs between the providers, and their wake-ups (dialect.ts); everything else goes through the common Prisma API. */
export function dialectOf(db: Db): Dialect {
  const dialect = (db as unknown as { [DIALECT]?: Dialect })[DIALECT];
  if (!dialect) throw new Error("not a client made by createDb");
  return dialect;
}

export function poolOf(db: Db): pg.Pool | null {
  return (db as unknown as { [POOL]?: pg.Pool })[POOL] ?? null;
}

const globalForDb = globalThis as unknown as { jobwardenDb?: Db };

/** The process-wide client (cached across Next.js dev reloads). */
export const db: Db = globalForDb.jobwardenDb ?? createDb();
if (env.NODE_ENV !== "production") globalForDb.jobwardenDb = db;
