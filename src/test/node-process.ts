import { type ChildProcess, spawn } from "node:child_process";
import { childProcessEnv, env } from "~/env";

export type NodeProcess = { name: string; child: ChildProcess; output: () => string; exited: Promise<number | null> };

/** Fast clocks for tests: a node is dead after 6 × 300 ms. */
export const TEST_NODE_ENV = { NODE_HEARTBEAT_MS: "300", NODE_KILL_GRACE_MS: "1000", NODE_STOP_GRACE_MS: "3000", LOG_LEVEL: "warn" };

/**
 * Starts `jobwarden node start --name <name>` as a real process on the test database; `prefix`
 * runs it through another command that ends with exec (e.g. unshare), keeping the node's pid.
 */
export function startNodeProcess(name: string, databaseUrl: string, extraEnv: Record<string, string> = {}, prefix: string[] = []): NodeProcess {
  const command = [...prefix, process.execPath, "bin/jobwarden.mjs", "node", "start", "--name", name];
  const child = spawn(command[0]!, command.slice(1), {
    env: childProcessEnv({ ...TEST_NODE_ENV, DATABASE_URL: databaseUrl, JOBWARDEN_HOME: env.JOBWARDEN_HOME, ...extraEnv }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { name, child, output: () => out, exited };
}

export async function stopNodeProcess(p: NodeProcess, signal: NodeJS.Signals = "SIGTERM") {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 60_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
