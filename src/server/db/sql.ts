/**
 * Hand-written SQL on the engine's hot path (claim, start, end of runs), built with Prisma.sql. On
 * PostgreSQL it goes to node-postgres directly: a statement through Prisma's client costs the node
 * 0.4–0.5 ms of CPU, the same statement through node-postgres 0.10–0.15 ms (docs/benchmarks.md). On
 * SQLite it goes through Prisma, whose connection is the process's only one (a second connection
 * would wait on the first one's transactions while blocking the event loop that must end them).
 */
import type pg from "pg";
import type { Prisma } from "~/generated/sqlite/client";
import { type Db, type DbOrTx, poolOf } from ".";

export type Sql = {
  query<T>(sql: Prisma.Sql): Promise<T[]>;
  /** The number of rows the statement changed. */
  execute(sql: Prisma.Sql): Promise<number>;
};

/** Through Prisma's client or one of its transactions. */
export const prismaSql = (db: DbOrTx): Sql => ({
  query: <T>(sql: Prisma.Sql) => db.$queryRaw<T[]>(sql),
  execute: (sql: Prisma.Sql) => db.$executeRaw(sql),
});

// Prisma stores DateTime as UTC in `timestamp` columns; node-postgres would send a Date in the
// process's time zone, which a `timestamp` (without time zone) column takes as is.
const values = (sql: Prisma.Sql) => sql.values.map((v) => (v instanceof Date ? v.toISOString() : v));

const nodePostgresSql = (client: pg.Pool | pg.PoolClient): Sql => ({
  query: async <T>(sql: Prisma.Sql) => (await client.query(sql.text, values(sql))).rows as T[],
  execute: async (sql: Prisma.Sql) => (await client.query(sql.text, values(sql))).rowCount ?? 0,
});

/** Single statements, each in its own implicit transaction. */
export function sqlOf(db: Db): Sql {
  const pool = poolOf(db);
  return pool ? nodePostgresSql(pool) : prismaSql(db);
}

/** `fn`'s statements in one transaction (on SQLite, Prisma's: BEGIN IMMEDIATE, src/server/db/index.ts). */
export async function sqlTransaction<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const pool = poolOf(db);
  if (!pool) return db.$transaction((tx) => fn(prismaSql(tx)));
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(nodePostgresSql(client));
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (err) {
    // A connection that cannot even roll back is broken: release(err) closes it.
    const broken = await client.query("ROLLBACK").then(
      () => undefined,
      (rollbackErr: unknown) => rollbackErr as Error,
    );
    client.release(broken);
    throw err;
  }
}
