import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Page, expect } from "@playwright/test";
import { type Db, createDb } from "~/server/db";
import { E2E_DATABASE_URL, E2E_HOME, E2E_NODE_PORT } from "../playwright.config";
import type { ListenerReport } from "~/server/domain/node-config";

export function rootPassword(): string {
  return readFileSync(join(E2E_HOME, "root-password.txt"), "utf8").trim();
}

export async function login(page: Page, user: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Login").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/** Environment of the processes a spec starts: the same database and home as the web server. */
export const e2eProcessEnv = {
  ...process.env,
  DATABASE_URL: E2E_DATABASE_URL,
  JOBWARDEN_HOME: E2E_HOME,
  NODE_HEARTBEAT_MS: "500",
  LOG_LEVEL: "warn",
};

/** The e2e database, for what a spec sets up or checks behind the console. */
export async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(E2E_DATABASE_URL);
  try {
    return await work(db);
  } finally {
    await db.$disconnect();
  }
}

/** node1's parameters as `jobwarden init` creates them, except its port (free for this run). */
const NODE1_AS_INITIALISED = {
  host: "127.0.0.1",
  port: E2E_NODE_PORT,
  logLevel: "INFO",
  enabled: true,
  stopRequested: false,
  loadApiClient: false,
  mgmtRemotePort: null,
  tlsEnabled: false,
  tlsCertPath: null,
  tlsKeyPath: null,
  tlsCaPath: null,
  authSimple: "none",
  authClient: "basic",
  authMgmt: "basic",
  anonymousConfirmed: false,
} as const;

const NODE_START_TIMEOUT_MS = 60_000;

function where(l: ListenerReport) {
  return l.socketPath ?? `${l.address}:${l.port}`;
}

/**
 * Starts the real node1 with its parameters as initialised on E2E_NODE_PORT, and waits until its report
 * shows every listener open on that port. Throws, with the node's output, when a listener reports an
 * error, the process exits or nothing is reported in time. `isolated` runs it in its own network
 * namespace (`unshare -rn`), so that binding it to all interfaces exposes nothing on this machine
 * (SQLite only: it shares the file).
 */
export async function startNode1({ isolated = false } = {}) {
  await withDb((db) => db.node.update({ where: { name: "node1" }, data: NODE1_AS_INITIALISED }));
  const node: ChildProcess = isolated
    ? spawn("unshare", ["-rn", "sh", "-c", "ip link set lo up && exec node bin/jobwarden.mjs node start --name node1"], { env: e2eProcessEnv, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, ["bin/jobwarden.mjs", "node", "start", "--name", "node1"], { env: e2eProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  node.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  node.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  let exit: string | null = null;
  const exited = new Promise<void>((resolve) =>
    node.on("exit", (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    }),
  );
  const handle = {
    output: () => output,
    /** SIGTERM (a clean stop lets the next spec start node1 at once), SIGKILL after 20 s. */
    async stop() {
      if (exit !== null) return;
      node.kill("SIGTERM");
      const killer = setTimeout(() => node.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
  try {
    await waitForListeners(node.pid, () => exit, () => output);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

async function waitForListeners(pid: number | undefined, exit: () => string | null, output: () => string) {
  const deadline = Date.now() + NODE_START_TIMEOUT_MS;
  await withDb(async (db) => {
    for (;;) {
      const exitedWith = exit();
      if (exitedWith !== null) throw new Error(`node1 exited (${exitedWith}) before its listeners were open. Its output:\n${output()}`);
      const report = await db.nodeReport.findFirst({ where: { node: { name: "node1" } } });
      const listeners = report && report.pid === pid ? (report.listeners as ListenerReport[]) : [];
      const failed = listeners.filter((l) => l.error);
      if (failed.length) {
        throw new Error(`node1 could not open ${failed.map((l) => `its ${l.api} listener on ${where(l)}: ${l.error}`).join("; ")}. Its output:\n${output()}`);
      }
      const simple = listeners.find((l) => l.api === "simple");
      if (simple?.address === NODE1_AS_INITIALISED.host && simple.port === E2E_NODE_PORT && listeners.some((l) => l.api === "mgmt-local")) return;
      if (Date.now() > deadline) {
        throw new Error(
          `node1 (pid ${pid}) did not report its listeners open on ${NODE1_AS_INITIALISED.host}:${E2E_NODE_PORT} within ${NODE_START_TIMEOUT_MS / 1000} s ` +
            `(last report: pid ${report?.pid ?? "none"}, listeners ${JSON.stringify(report?.listeners ?? null)}). Its output:\n${output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
}

/** A viewport as tall as the page, so that the sticky sidebar and header are where they belong. */
export async function fullScreenshot(page: Page, path: string) {
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 10_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await page.screenshot({ path });
  await page.setViewportSize({ width: 1280, height: 720 });
}
