// Creates one migration with the same name for SQLite and PostgreSQL from prisma/schema.prisma.
// Usage: PG_URL=postgresql://postgres@127.0.0.1:54329/postgres npm run db:migrate:new -- <name>
// The PostgreSQL role needs CREATEDB (a scratch shadow database replays the migration history).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffMigrations, providers } from "./db-providers.mjs";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migrate:new -- <name in snake_case>");
  process.exit(1);
}
execFileSync("node", ["scripts/prisma-schemas.mjs"], { stdio: "inherit" });
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const tmp = mkdtempSync(join(tmpdir(), "jobwarden-migration-"));
for (const p of providers()) {
  const out = join(tmp, `${p.name}.sql`);
  const changed = diffMigrations(p, out);
  if (!changed) {
    console.log(`${p.name}: no change`);
    continue;
  }
  const dir = join(p.migrations, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  execFileSync("cp", [out, join(dir, "migration.sql")]);
  console.log(`${p.name}: wrote ${dir}/migration.sql (${readFileSync(out, "utf8").split("\n").length} lines)`);
}
rmSync(tmp, { recursive: true, force: true });
