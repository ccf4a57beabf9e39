import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { isAbsolute, join } from "node:path";
import { finished } from "node:stream/promises";
import { type RunContext, type RunnerHandle, orderedParameterValues } from "./types";

/**
 * shell: `/bin/sh -c "<command> \"$@\""` with the parameters as quoted arguments (no injection);
 * exec: the executable itself with the parameters as arguments, no shell.
 * The child leads its own process group so that a kill reaches its children too.
 */
export function startProcess(ctx: RunContext): RunnerHandle {
  const args = orderedParameterValues(ctx.parameters);
  const [file, argv] =
    ctx.payloadType === "shell"
      ? ["/bin/sh", ["-c", `${ctx.path} "$@"`, ctx.applicationName, ...args]]
      : [isAbsolute(ctx.path) ? ctx.path : join(ctx.jobsDir, ctx.path), args];

  const stdout = createWriteStream(ctx.stdoutFile, { flags: "a", mode: 0o640 });
  const stderr = createWriteStream(ctx.stderrFile, { flags: "a", mode: 0o640 });
  const child = spawn(file, argv, {
    cwd: ctx.workDir,
    env: ctx.env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(stdout);
  child.stderr.pipe(stderr);

  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };

  const done = new Promise<{ returnCode: number | null; error?: string }>((resolve) => {
    let exit: { returnCode: number | null; error?: string } | undefined;
    child.on("error", (err) => resolve({ returnCode: null, error: `could not start ${file}: ${err.message}` }));
    child.on("exit", (code, signal) => {
      clearTimeout(killTimer);
      exit = signal ? { returnCode: null, error: `ended by signal ${signal}` } : { returnCode: code ?? null };
      // A job's processes end with it: background children would otherwise hold its pipes open.
      signalGroup("SIGKILL");
    });
    child.on("close", () => {
      void Promise.all([finished(stdout), finished(stderr)]).then(() =>
        resolve(exit ?? { returnCode: null, error: "process ended without an exit status" }),
      );
    });
  });

  return {
    done,
    processGroup: child.pid,
    kill() {
      signalGroup("SIGTERM");
      killTimer ??= setTimeout(() => signalGroup("SIGKILL"), ctx.killGraceMs);
    },
  };
}
