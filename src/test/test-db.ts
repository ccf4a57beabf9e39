import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { env } from "~/env";
import { type Db, createDb } from "~/server/db";

function migrationScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => readFileSync(join(dir, name, "migration.sql"), "utf8"));
}

export type TestDb = { db: Db; url: string; provider: "sqlite" | "postgresql"; drop: () => Promise<void> };

/**
 * A throwaway database with every migration applied: SQLite in a temp folder, or (TEST_DB=postgresql)
 * a fresh database on the TEST_PG_URL server (or on `pgServerUrl`).
 */
export async function createTestDb(pgServerUrl?: string): Promise<TestDb> {
  if (pgServerUrl || env.TEST_DB === "postgresql") {
    const server = pgServerUrl ?? env.TEST_PG_URL;
    if (!server) throw new Error("TEST_DB=postgresql needs TEST_PG_URL");
    const name = `jobwarden_test_${randomUUID().replaceAll("-", "")}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(sql).finally(() => client.end());
    };
    await admin(`CREATE DATABASE "${name}"`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    for (const sql of migrationScripts("prisma/postgres/migrations")) await client.query(sql);
    await client.end();
    const db = createDb(url.toString());
    return {
      db,
      url: url.toString(),
      provider: "postgresql",
      drop: async () => {
        await db.$disconnect();
        await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "jobwarden-test-"));
  const file = join(dir, "test.db");
  const sqlite = new Database(file);
  for (const sql of migrationScripts("prisma/migrations")) sqlite.exec(sql);
  sqlite.close();
  const db = createDb(`file:${file}`);
  return {
    db,
    url: `file:${file}`,
    provider: "sqlite",
    drop: async () => {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
