import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig, devices } from "@playwright/test";

/**
 * e2e runs the built console (`next build` first; `npm test` does it) against a fresh database:
 * SQLite in E2E_HOME by default, or the PostgreSQL database in E2E_DATABASE_URL.
 * The web server command initialises it, so root's password is in E2E_HOME/root-password.txt.
 * The console and node1 listen on ports free when the run starts (E2E_PORT, E2E_NODE_PORT to choose).
 */
const envVars = process.env;
export const E2E_HOME = envVars.E2E_HOME ?? join(tmpdir(), "jobwarden-e2e");

/** Ports free on 127.0.0.1 right now, distinct. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// The config loads in the runner and again in each worker: the runner picks the ports, and the workers
// inherit them through the environment.
if (!envVars.E2E_PORT || !envVars.E2E_NODE_PORT) {
  const [consolePort, nodePort] = await freePorts(2);
  envVars.E2E_PORT ||= String(consolePort);
  envVars.E2E_NODE_PORT ||= String(nodePort);
}
const port = Number(envVars.E2E_PORT);
/** node1's port: the e2e helpers set it before they start node1. */
export const E2E_NODE_PORT = Number(envVars.E2E_NODE_PORT);
const baseURL = `http://127.0.0.1:${port}`;
export const E2E_DATABASE_URL = envVars.E2E_DATABASE_URL ?? `file:${E2E_HOME}/jobwarden.db`;
// The test processes' own database access (e2e/helpers.ts) goes to the e2e database, never to ./data.
envVars.DATABASE_URL = E2E_DATABASE_URL;
envVars.JOBWARDEN_HOME = E2E_HOME;
// The console runs as `npm start` runs it (`jobwarden console`: Next.js behind the request guard).
const serverEnv = {
  CONSOLE_HOST: "127.0.0.1",
  PORT: String(port),
  JOBWARDEN_HOME: E2E_HOME,
  DATABASE_URL: E2E_DATABASE_URL,
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
  // Deadlines, not durations: a loaded machine (docs/reliability.md) renders a page in seconds.
  timeout: 90_000,
  expect: { timeout: 20_000 },
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
    command: `rm -rf "${E2E_HOME}" && node --import tsx src/cli/index.ts init && node bin/jobwarden.mjs console`,
    url: `${baseURL}/api/auth/providers`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: serverEnv,
    stdout: "pipe",
    stderr: "pipe",
  },
});
