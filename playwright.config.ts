import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, devices } from "@playwright/test";

/**
 * e2e runs the built console (`next build` first; `npm test` does it) against a fresh database:
 * SQLite in E2E_HOME by default, or the PostgreSQL database in E2E_DATABASE_URL.
 * The web server command initialises it, so root's password is in E2E_HOME/root-password.txt.
 */
const envVars = process.env;
export const E2E_HOME = envVars.E2E_HOME ?? join(tmpdir(), "jobwarden-e2e");
const port = Number(envVars.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const serverEnv = {
  JOBWARDEN_HOME: E2E_HOME,
  DATABASE_URL: envVars.E2E_DATABASE_URL ?? `file:${E2E_HOME}/jobwarden.db`,
  NEXTAUTH_URL: baseURL,
  NODE_ENV: "production",
  LOGIN_MAX_FAILURES: "20",
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!envVars.CI,
  retries: envVars.CI ? 1 : 0,
  reporter: [["list"]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    ...devices["Desktop Chrome"],
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: envVars.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `rm -rf "${E2E_HOME}" && node --import tsx src/cli/index.ts init && node node_modules/next/dist/bin/next start -H 127.0.0.1 -p ${port}`,
    url: `${baseURL}/api/auth/providers`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: serverEnv,
    stdout: "pipe",
    stderr: "pipe",
  },
});
