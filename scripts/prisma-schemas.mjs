// Writes prisma/postgres/schema.prisma from prisma/schema.prisma (the only schema to edit).
// --check: exit 1 when the PostgreSQL copy is stale.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";

const source = readFileSync("prisma/schema.prisma", "utf8");
const replaced = source
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('output     = "../src/generated/sqlite"', 'output     = "../../src/generated/pg"');
if (replaced === source) throw new Error("prisma/schema.prisma: provider or output line not found");
const target = "prisma/postgres/schema.prisma";
const pgSchema = `// GENERATED from prisma/schema.prisma by scripts/prisma-schemas.mjs: do not edit.\n${replaced}`;

if (process.argv.includes("--check")) {
  if (!existsSync(target) || readFileSync(target, "utf8") !== pgSchema) {
    console.error(`${target} is stale: run node scripts/prisma-schemas.mjs and commit it`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  mkdirSync("prisma/postgres", { recursive: true });
  writeFileSync(target, pgSchema);
}
