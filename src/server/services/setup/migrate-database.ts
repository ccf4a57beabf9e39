import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childProcessEnv, env } from "~/env";

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Applies pending migrations (`prisma migrate deploy`; the provider follows DATABASE_URL). */
export function migrateDatabase(url = env.DATABASE_URL) {
  const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const result = spawnSync(process.execPath, [prismaCli, "migrate", "deploy"], {
    cwd: projectRoot,
    env: childProcessEnv({ DATABASE_URL: url }),
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`Database migration failed:\n${result.stdout}\n${result.stderr}`);
  }
}
