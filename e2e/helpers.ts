import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Page, expect } from "@playwright/test";
import { E2E_HOME } from "../playwright.config";

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
  DATABASE_URL: process.env.E2E_DATABASE_URL ?? `file:${join(E2E_HOME, "jobwarden.db")}`,
  JOBWARDEN_HOME: E2E_HOME,
  NODE_HEARTBEAT_MS: "500",
  LOG_LEVEL: "warn",
};

/**
 * Starts the real node1. `isolated` runs it in its own network namespace (`unshare -rn`), so that
 * binding it to all interfaces exposes nothing on this machine (SQLite only: it shares the file).
 */
export function startNode1({ isolated = false } = {}) {
  const node: ChildProcess = isolated
    ? spawn("unshare", ["-rn", "sh", "-c", "ip link set lo up && exec node bin/jobwarden.mjs node start --name node1"], { env: e2eProcessEnv, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, ["bin/jobwarden.mjs", "node", "start", "--name", "node1"], { env: e2eProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  node.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  node.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => node.on("exit", () => resolve()));
  return {
    output: () => output,
    /** SIGTERM (a clean stop lets the next spec start node1 at once), SIGKILL after 20 s. */
    async stop() {
      if (node.exitCode !== null || node.signalCode !== null) return;
      node.kill("SIGTERM");
      const killer = setTimeout(() => node.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
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
