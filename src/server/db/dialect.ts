/**
 * What differs between SQLite and PostgreSQL in the SQL Jobwarden writes by hand. Everything else goes
 * through Prisma's common API (docs/database.md). src/engine/heartbeat-worker.mjs, which runs on its
 * own connection without Prisma, carries its own two statements.
 */
import { Prisma } from "~/generated/sqlite/client";

export type Dialect = {
  name: "sqlite" | "postgresql";
  /** The database's current time, in the form Prisma stores DateTime values. */
  nowSql: Prisma.Sql;
  /** `column` is older than `ms` milliseconds (an SQL expression) on the database's clock. */
  olderThan(column: string, ms: Prisma.Sql): Prisma.Sql;
  /** The larger of two SQL expressions. */
  greatest(a: Prisma.Sql, b: Prisma.Sql): Prisma.Sql;
  /** A bound value compared with an enum column (PostgreSQL needs the cast). */
  enumValue(value: string, enumName: string): Prisma.Sql;
  /** An enum column (of table `alias`) read as its text (raw queries return PostgreSQL enums in a form the client does not map). */
  enumText(column: string, alias?: string): string;
  /** Claims can skip rows other transactions hold (PostgreSQL's FOR UPDATE SKIP LOCKED). */
  skipLocked: boolean;
  /**
   * Serialises transactions that take `key` until they end. SQLite needs nothing: every transaction
   * begins IMMEDIATE (src/server/db/index.ts), so writers already run one at a time.
   */
  lock(tx: { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> }, key: string): Promise<void>;
  /** PostgreSQL NOTIFY on `channel`; nothing on SQLite (other processes find the change at their next poll). */
  notify(db: { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> }, channel: string, payload: string): Promise<void>;
};

const quoted = (column: string) => Prisma.raw(`"${column.replace(/"/g, "")}"`);
const qualified = (column: string, alias?: string) => `${alias ? `${alias.replace(/\W/g, "")}.` : ""}"${column.replace(/"/g, "")}"`;

export const SQLITE: Dialect = {
  name: "sqlite",
  nowSql: Prisma.raw(`strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')`),
  olderThan: (column, ms) => Prisma.sql`${quoted(column)} < strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-' || (${ms} / 1000.0) || ' seconds')`,
  greatest: (a, b) => Prisma.sql`max(${a}, ${b})`,
  enumValue: (value) => Prisma.sql`${value}`,
  enumText: (column, alias) => qualified(column, alias),
  skipLocked: false,
  lock: async () => undefined,
  notify: async () => undefined,
};

export const POSTGRESQL: Dialect = {
  name: "postgresql",
  nowSql: Prisma.raw(`(now() AT TIME ZONE 'UTC')`),
  olderThan: (column, ms) => Prisma.sql`${quoted(column)} < (now() AT TIME ZONE 'UTC') - ${ms} * interval '1 millisecond'`,
  greatest: (a, b) => Prisma.sql`GREATEST(${a}, ${b})`,
  enumValue: (value, enumName) => Prisma.sql`CAST(${value} AS ${Prisma.raw(`"${enumName.replace(/"/g, "")}"`)})`,
  enumText: (column, alias) => `${qualified(column, alias)}::text AS "${column.replace(/"/g, "")}"`,
  skipLocked: true,
  lock: async (tx, key) => {
    await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtext($1))", key);
  },
  notify: async (db, channel, payload) => {
    await db.$executeRawUnsafe("SELECT pg_notify($1, $2)", channel, payload);
  },
};
