import { spawnSync } from "node:child_process";

export function providers({ warnWithoutPg = false } = {}) {
  const list = [
    { name: "sqlite", url: "file:./data/migrate-check.db", schema: "prisma/schema.prisma", migrations: "prisma/migrations" },
  ];
  const pgUrl = process.env.PG_URL;
  if (pgUrl) {
    list.push({ name: "postgresql", url: pgUrl, schema: "prisma/postgres/schema.prisma", migrations: "prisma/postgres/migrations" });
  } else if (warnWithoutPg) {
    console.warn("PG_URL is not set: the PostgreSQL migrations were not checked");
  } else {
    console.error("PG_URL is required to create the PostgreSQL migration");
    process.exit(1);
  }
  return list;
}

/**
 * @param {{ name: string, url: string, schema: string, migrations: string }} p
 * @param {string} outFile
 * Runs `prisma migrate diff` from the migration history to the schema; true when they differ. */
export function diffMigrations(p, outFile) {
  const r = spawnSync(
    "npx",
    ["prisma", "migrate", "diff", "--from-migrations", p.migrations, "--to-schema-datamodel", p.schema, "--script", "--exit-code", "-o", outFile],
    { env: { ...process.env, DATABASE_URL: p.url }, stdio: ["ignore", "inherit", "inherit"] },
  );
  if (r.status === 0) return false;
  if (r.status === 2) return true;
  throw new Error(`prisma migrate diff failed for ${p.name} (exit ${r.status})`);
}
