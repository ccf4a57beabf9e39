// Fails when prisma/schema.prisma changed without a migration, or the PostgreSQL copy is stale.
// The PostgreSQL check needs PG_URL (a role with CREATEDB); without it, it is skipped with a warning.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffMigrations, providers } from "./db-providers.mjs";

execFileSync("node", ["scripts/prisma-schemas.mjs", "--check"], { stdio: "inherit" });
const tmp = mkdtempSync(join(tmpdir(), "jobwarden-dbcheck-"));
let failed = false;
for (const p of providers({ warnWithoutPg: true })) {
  if (diffMigrations(p, join(tmp, `${p.name}.sql`))) {
    console.error(`${p.name}: prisma/schema.prisma has changes without a migration (npm run db:migrate:new -- <name>)`);
    failed = true;
  } else console.log(`${p.name}: migrations match the schema`);
}
rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
