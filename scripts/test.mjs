// `npm test`: every test. Unit and router tests on SQLite, again on PostgreSQL when TEST_PG_URL is
// set (a server whose role may CREATEDB), then `next build` and the Playwright e2e suite on SQLite
// (and on a fresh PostgreSQL database with TEST_PG_URL). Ends with one "N passed, N failed, N skipped"
// line; flaky tests (passed on a retry) count as passed and are said on the line above.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import pg from "pg";

const pgUrl = process.env.TEST_PG_URL;
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const totals = { passed: 0, failed: 0, skipped: 0, flaky: 0 };
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

/** The JSON report a run wrote, or null when it wrote none (or a broken one). */
function report(out) {
  if (!existsSync(out)) return null;
  try {
    return JSON.parse(readFileSync(out, "utf8"));
  } catch {
    return null;
  }
}

/**
 * Adds a sub-suite's failures: at least one when it exited non-zero (a suite that fails to load, a
 * crashed runner, a failing global hook), so that a failure never goes uncounted.
 */
function addFailures(failed, exitedOk) {
  totals.failed += failed > 0 ? failed : exitedOk ? 0 : 1;
}

function vitest(label, env) {
  const out = `test-results/vitest-${env.TEST_DB}.json`;
  rmSync(out, { force: true });
  const exitedOk = run(label, "npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], env);
  const r = report(out);
  if (!r) return void totals.failed++;
  totals.passed += r.numPassedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  addFailures(r.numFailedTests, exitedOk);
}

function playwright(label, env) {
  const out = `test-results/playwright-${env.E2E_DB}.json`;
  rmSync(out, { force: true });
  const exitedOk = run(label, "npx", ["playwright", "test", "--reporter=list,json"], { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const r = report(out);
  if (!r) return void totals.failed++;
  const s = r.stats;
  totals.passed += s.expected + s.flaky;
  totals.flaky += s.flaky;
  totals.skipped += s.skipped;
  addFailures(s.unexpected, exitedOk);
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

console.log(`\n${totals.flaky} flaky (passed on a retry)`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
