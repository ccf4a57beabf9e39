// `npm test`: every test. Unit and router tests on SQLite, again on PostgreSQL when TEST_PG_URL is
// set (a server whose role may CREATEDB), then `next build` and the Playwright e2e suite on SQLite
// (and on a fresh PostgreSQL database with TEST_PG_URL). Ends with one "N passed, N failed" line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import pg from "pg";

const pgUrl = process.env.TEST_PG_URL;
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const totals = { passed: 0, failed: 0 };
let ok = true;
mkdirSync("test-results", { recursive: true });

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label} ===`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`--- ${label}: failed (exit ${r.status})`);
    ok = false;
  }
  return r.status === 0;
}

function vitest(label, env) {
  const out = `test-results/vitest-${env.TEST_DB}.json`;
  run(label, "npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], env);
  if (!existsSync(out)) return void totals.failed++;
  const r = JSON.parse(readFileSync(out, "utf8"));
  totals.passed += r.numPassedTests;
  // A suite that fails to load has no failed test: count it once so it cannot pass unnoticed.
  totals.failed += r.numFailedTests || (r.numFailedTestSuites > 0 ? 1 : 0);
}

function playwright(label, env) {
  const out = `test-results/playwright-${env.E2E_DB}.json`;
  run(label, "npx", ["playwright", "test", "--reporter=list,json"], { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  if (!existsSync(out)) return void totals.failed++;
  const s = JSON.parse(readFileSync(out, "utf8")).stats;
  totals.passed += s.expected + s.flaky;
  totals.failed += s.unexpected;
}

vitest("unit and router tests on SQLite", { TEST_DB: "sqlite" });
if (pgUrl) vitest("unit and router tests on PostgreSQL", { TEST_DB: "postgresql", TEST_PG_URL: pgUrl });
else console.log("\nTEST_PG_URL is not set: PostgreSQL passes skipped (see README, Tests).");

if (!existsSync(chromium)) {
  console.error(`\nChromium not found at ${chromium}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  ok = false;
  totals.failed++;
} else if (!run("next build", "npx", ["next", "build"])) {
  totals.failed++;
} else {
  playwright("e2e on SQLite", { E2E_DB: "sqlite" });
  if (pgUrl) {
    const name = `jobwarden_e2e_${randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    try {
      playwright("e2e on PostgreSQL", { E2E_DB: "postgresql", E2E_DATABASE_URL: url.toString() });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
