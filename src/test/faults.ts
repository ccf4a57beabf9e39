import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childProcessEnv } from "~/env";

/** Two busy loops at normal priority, one per core; each stops by itself after `seconds`. */
export function startCpuHog(seconds = 900): () => void {
  const hogs: ChildProcess[] = [0, 1].map(() => spawn("timeout", [String(seconds), "sh", "-c", "while :; do :; done"], { stdio: "ignore", detached: true }));
  return () =>
    hogs.forEach((h) => {
      try {
        if (h.pid) process.kill(-h.pid, "SIGKILL");
      } catch {
        // already gone
      }
    });
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True while any process of the group is alive. */
export function processGroupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

/** A PostgreSQL server of its own (scripts/pg-local.sh) on a free port, that a test may restart. */
export async function startPgServer() {
  const root = mkdtempSync(join(tmpdir(), "jobwarden-fault-pg-"));
  const port = await freePort();
  const run = (cmd: "start" | "stop") => execFileSync("scripts/pg-local.sh", [cmd], { env: childProcessEnv({ PGROOT: root, PGPORT: String(port) }), stdio: "inherit" });
  run("start");
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop: () => run("stop"),
    start: () => run("start"),
    remove: () => {
      run("stop");
      rmSync(root, { recursive: true, force: true });
    },
  };
}
