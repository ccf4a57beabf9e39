/**
 * What differs between SQLite and PostgreSQL in the SQL Jobwarden writes by hand, and how processes
 * wake each other. Everything else goes through Prisma's common API (docs/database.md).
 * src/engine/heartbeat-worker.mjs, which runs on its own connection without Prisma, carries its own
 * two statements.
 */
import { type FSWatcher, mkdirSync, watch } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { Prisma } from "~/generated/sqlite/client";

/** Stops a listen(). */
export type Unlisten = () => Promise<void>;

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
  /** Wakes the processes listening on `channel` (best effort: pollers find the change at their next poll anyway). */
  notify(db: { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> }, channel: string, payload: string): Promise<void>;
  /**
   * Calls `onPayload` for every notify() on `channel`, from any process, until the returned function is
   * called. A lost connection is retried every `retryMs`; `onError` hears why.
   */
  listen(channel: string, onPayload: (payload: string) => void, opts: { retryMs: number; onError: (err: unknown) => void }): Unlisten;
};

const quoted = (column: string) => Prisma.raw(`"${column.replace(/"/g, "")}"`);
const qualified = (column: string, alias?: string) => `${alias ? `${alias.replace(/\W/g, "")}.` : ""}"${column.replace(/"/g, "")}"`;

/** The file in `dir` a notify on `channel` with `payload` touches (names stay plain file names). */
const wakeFile = (dir: string, channel: string, payload: string) => join(dir, `${channel}.${payload}`.replace(/[^\w.-]/g, "_"));

/**
 * SQLite: `file`'s processes wake each other through a directory beside it (`<file>-wake`): notify
 * writes a file named after the channel and payload, listeners watch the directory (inotify on Linux).
 * An in-memory database has no other process to wake.
 */
export function sqliteDialect(file: string | null): Dialect {
  const dir = file ? `${file}-wake` : null;
  return {
    ...SQLITE_SQL,
    notify: async (_db, channel, payload) => {
      if (dir) await writeFile(wakeFile(dir, channel, payload), payload, { mode: 0o600 });
    },
    listen: (channel, onPayload, { onError }) => {
      if (!dir) return async () => undefined;
      let watcher: FSWatcher | null = null;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        watcher = watch(dir, (_event, name) => {
          if (name?.startsWith(`${channel}.`)) onPayload(name.slice(channel.length + 1));
        });
        watcher.on("error", onError);
      } catch (err) {
        onError(err);
      }
      return async () => watcher?.close();
    },
  };
}

type DialectSql = Omit<Dialect, "notify" | "listen">;

const SQLITE_SQL: DialectSql = {
  name: "sqlite",
  nowSql: Prisma.raw(`strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')`),
  olderThan: (column, ms) => Prisma.sql`${quoted(column)} < strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '-' || (${ms} / 1000.0) || ' seconds')`,
  greatest: (a, b) => Prisma.sql`max(${a}, ${b})`,
  enumValue: (value) => Prisma.sql`${value}`,
  enumText: (column, alias) => qualified(column, alias),
  skipLocked: false,
  lock: async () => undefined,
};

/** PostgreSQL at `url`: NOTIFY, and LISTEN on a connection of its own. */
export function postgresDialect(url: string): Dialect {
  return {
    ...POSTGRESQL_SQL,
    notify: async (db, channel, payload) => {
      await db.$executeRawUnsafe("SELECT pg_notify($1, $2)", channel, payload);
    },
    listen: (channel, onPayload, { retryMs, onError }) => {
      const stopped = new AbortController();
      const loop = (async () => {
        while (!stopped.signal.aborted) {
          const client = new pg.Client({ connectionString: url });
          const lost = new Promise<void>((resolve) => {
            client.on("error", (err) => {
              onError(err);
              resolve();
            });
            client.on("end", () => resolve());
            stopped.signal.addEventListener("abort", () => resolve(), { once: true });
          });
          client.on("notification", (msg) => onPayload(msg.payload ?? ""));
          try {
            await client.connect();
            await client.query(`LISTEN "${channel.replace(/"/g, "")}"`);
            await lost;
          } catch (err) {
            onError(err);
          }
          await client.end().catch(() => undefined);
          await sleep(retryMs, undefined, { signal: stopped.signal }).catch(() => undefined);
        }
      })();
      return async () => {
        stopped.abort();
        await loop;
      };
    },
  };
}

const POSTGRESQL_SQL: DialectSql = {
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
};
