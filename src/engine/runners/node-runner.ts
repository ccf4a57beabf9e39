import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { isAbsolute, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { PayloadApi, RunContext, RunOutcome, RunnerHandle } from "./types";

const workerFile = new URL("./node-payload-worker.mjs", import.meta.url);

type WorkerMessage =
  | { type: "stdout" | "stderr"; data: string }
  | { type: "call"; callId: number; method: keyof PayloadApi; args: unknown[] }
  | { type: "done" }
  | { type: "failed"; message: string };

/** Runs a module exporting run(ctx) in a worker thread; kill = abort the signal, then terminate. */
export function startNodePayload(ctx: RunContext): RunnerHandle {
  const modulePath = isAbsolute(ctx.path) ? ctx.path : join(ctx.jobsDir, ctx.path);
  const worker = new Worker(workerFile, {
    workerData: {
      modulePath,
      parameters: ctx.parameters,
      meta: {
        id: ctx.id,
        applicationName: ctx.applicationName,
        workDir: ctx.workDir,
        deliveryDir: ctx.deliveryDir,
      },
    },
    env: ctx.env,
  });
  const stdout = createWriteStream(ctx.stdoutFile, { flags: "a", mode: 0o640 });
  const stderr = createWriteStream(ctx.stderrFile, { flags: "a", mode: 0o640 });

  let outcome: RunOutcome | undefined;
  let killed = false;
  let terminateTimer: NodeJS.Timeout | undefined;

  worker.on("message", (msg: WorkerMessage) => {
    if (msg.type === "stdout") stdout.write(msg.data);
    else if (msg.type === "stderr") stderr.write(msg.data);
    else if (msg.type === "done" || msg.type === "failed") {
      outcome ??= msg.type === "done" ? { returnCode: 0 } : { returnCode: 1, error: msg.message };
      // Its output already arrived on this port: the payload's timers or sockets do not keep its slot.
      void worker.terminate();
    } else if (msg.type === "call") {
      const method = ctx.api[msg.method] as (...a: unknown[]) => Promise<unknown>;
      method(...msg.args).then(
        (result) => worker.postMessage({ type: "reply", callId: msg.callId, result }),
        (err: unknown) => worker.postMessage({ type: "reply", callId: msg.callId, error: err instanceof Error ? err.message : String(err) }),
      );
    }
  });

  const done = new Promise<RunOutcome>((resolve) => {
    worker.on("error", (err) => {
      outcome ??= { returnCode: 1, error: err.message };
    });
    worker.on("exit", (code) => {
      clearTimeout(terminateTimer);
      stdout.end();
      stderr.end();
      void Promise.all([finished(stdout), finished(stderr)]).then(() => {
        if (killed && outcome?.returnCode !== 0) resolve({ returnCode: null, error: "killed" });
        else resolve(outcome ?? { returnCode: code || 1, error: "worker exited before the payload finished" });
      });
    });
  });

  return {
    done,
    kill() {
      killed = true;
      worker.postMessage({ type: "abort" });
      terminateTimer ??= setTimeout(() => void worker.terminate(), ctx.killGraceMs);
    },
  };
}
