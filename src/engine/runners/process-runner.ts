import { spawn } from "node:child_process";
import { isAbsolute, join } from "node:path";
import { type PayloadAccount, payloadCommand, signalPayloadGroup, sudoRefusal } from "../payload-account";
import { openRunLogs, pipeToLog } from "./run-logs";
import { type RunContext, type RunnerHandle, orderedParameterValues } from "./types";

/** How much of a sudo payload's stderr is kept to recognise sudo's own refusal. */
const SUDO_STDERR_HEAD = 4096;

/**
 * Starts a payload command as the leader of its own process group (as `account` when there is one),
 * its stderr appended to the run's stderr file; the first bytes of stderr are kept to recognise
 * sudo's own refusal. The caller decides what stdout carries.
 */
export function spawnPayload(ctx: RunContext, account: PayloadAccount | null, file: string, argv: string[], stdin: "pipe" | "ignore") {
  const command = payloadCommand(account, file, argv, ctx.env);
  const logs = openRunLogs(ctx);
  const child = spawn(command.file, command.argv, {
    cwd: ctx.workDir,
    env: command.env as NodeJS.ProcessEnv,
    ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid } : {}),
    detached: true,
    stdio: [stdin, "pipe", "pipe"],
  });
  pipeToLog(child.stderr!, logs.stderr);
  let stderrHead = "";
  if (account?.via === "sudo") {
    child.stderr!.on("data", (d: Buffer) => {
      if (stderrHead.length < SUDO_STDERR_HEAD) stderrHead += d.toString("utf8");
    });
  }
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid) signalPayloadGroup(account, child.pid, signal);
  };
  return { child, logs, signalGroup, stderrHead: () => stderrHead };
}

/**
 * shell: `/bin/sh -c "<command> \"$@\""` with the parameters as quoted arguments (no injection);
 * exec: the executable itself with the parameters as arguments, no shell.
 * The child leads its own process group so that a kill reaches its children too. With a payload
 * account it runs as that account (see payload-account.ts).
 */
export function startProcess(ctx: RunContext): RunnerHandle {
  const args = orderedParameterValues(ctx.parameters);
  const [file, argv] =
    ctx.payloadType === "shell"
      ? ["/bin/sh", ["-c", `${ctx.path} "$@"`, ctx.applicationName, ...args]]
      : [isAbsolute(ctx.path) ? ctx.path : join(ctx.jobsDir, ctx.path), args];
  const account = ctx.account ?? null;
  const { child, logs, signalGroup, stderrHead } = spawnPayload(ctx, account, file, argv, "ignore");
  pipeToLog(child.stdout!, logs.stdout);

  let killTimer: NodeJS.Timeout | undefined;

  const done = new Promise<{ returnCode: number | null; error?: string }>((resolve) => {
    let exit: { returnCode: number | null; error?: string } | undefined;
    child.on("error", (err) => resolve({ returnCode: null, error: `could not start ${file}${account ? ` as ${account.name}` : ""}: ${err.message}` }));
    child.on("exit", (code, signal) => {
      clearTimeout(killTimer);
      exit = signal ? { returnCode: null, error: `ended by signal ${signal}` } : { returnCode: code ?? null };
      // A job's processes end with it: background children would otherwise hold its pipes open.
      signalGroup("SIGKILL");
    });
    child.on("close", () => {
      const refused = account && exit?.returnCode !== 0 ? sudoRefusal(account, stderrHead()) : null;
      void logs.close(refused ? { returnCode: null, error: refused } : (exit ?? { returnCode: null, error: "process ended without an exit status" })).then(resolve);
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
