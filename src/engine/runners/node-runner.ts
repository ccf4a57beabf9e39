import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { sudoRefusal } from "../payload-account";
import { spawnPayload } from "./process-runner";
import { openRunLogs } from "./run-logs";
import type { PayloadApi, RunContext, RunOutcome, RunnerHandle } from "./types";

const workerFile = new URL("./node-payload-worker.mjs", import.meta.url);
const processFile = fileURLToPath(new URL("./node-payload-process.mjs", import.meta.url));

/** What an isolated payload account must be able to run and read of the install (checkInstallReachable). */
export const isolatedRuntimeFiles = { exec: [process.execPath], read: [processFile] };

type WorkerMessage =
  | { type: "stdout" | "stderr"; data: string }
  | { type: "call"; callId: number; method: keyof PayloadApi; args: unknown[] }
  | { type: "done"; reusable: boolean }
  | { type: "failed"; message: string };

/** A worker thread and how many runs it has served. */
type PooledWorker = { worker: Worker; runs: number; onIdleExit?: () => void; idleTimer?: NodeJS.Timeout };

/**
 * Worker threads kept after a clean run (see node-payload-worker.mjs), so that the next run skips a
 * thread start. A thread serves at most MAX_RUNS_PER_WORKER runs (each run's payload module
 * instance stays in its module map) and is ended after IDLE_MS without work.
 */
export const workerPool = {
  maxIdle: 16,
  maxRunsPerWorker: 500,
  idleMs: 60_000,
  idle: [] as PooledWorker[],
  /** Threads started, for tests and the bench. */
  started: 0,

  take(): PooledWorker {
    const pooled = this.idle.pop();
    if (pooled) {
      clearTimeout(pooled.idleTimer);
      if (pooled.onIdleExit) pooled.worker.off("exit", pooled.onIdleExit);
      pooled.worker.ref();
      return pooled;
    }
    this.started++;
    // Nothing from the node's own environment: each run sets the payload's environment.
    // No loader hooks of the node (tsx): a TypeScript payload loads tsx itself.
    return { worker: new Worker(workerFile, { env: {}, execArgv: [] }), runs: 0 };
  },

  release(pooled: PooledWorker) {
    if (pooled.runs >= this.maxRunsPerWorker || this.idle.length >= this.maxIdle) {
      void pooled.worker.terminate();
      return;
    }
    pooled.worker.unref();
    pooled.onIdleExit = () => this.drop(pooled);
    pooled.worker.once("exit", pooled.onIdleExit);
    pooled.idleTimer = setTimeout(() => {
      this.drop(pooled);
      void pooled.worker.terminate();
    }, this.idleMs);
    pooled.idleTimer.unref();
    this.idle.push(pooled);
  },

  drop(pooled: PooledWorker) {
    clearTimeout(pooled.idleTimer);
    const i = this.idle.indexOf(pooled);
    if (i >= 0) this.idle.splice(i, 1);
  },

  /** Ends every idle thread (node stop, tests). */
  async close() {
    const all = this.idle.splice(0);
    for (const p of all) clearTimeout(p.idleTimer);
    await Promise.all(all.map((p) => p.worker.terminate()));
  },
};

/**
 * Runs a module exporting run(ctx) in a worker thread; kill = abort the signal, then terminate.
 * A thread that served a run which failed, was killed or left something behind is terminated.
 */
export function startNodePayload(ctx: RunContext): RunnerHandle {
  if (ctx.account) return startNodePayloadProcess(ctx);
  const modulePath = isAbsolute(ctx.path) ? ctx.path : join(ctx.jobsDir, ctx.path);
  const pooled = workerPool.take();
  const { worker } = pooled;
  pooled.runs++;
  const logs = openRunLogs(ctx);
  const { stdout, stderr } = logs;

  let outcome: RunOutcome | undefined;
  let killed = false;
  /** The run is over and the thread went back to the pool: it is no longer this run's. */
  let released = false;
  let terminateTimer: NodeJS.Timeout | undefined;
  let resolveDone!: (outcome: RunOutcome) => void;
  const done = new Promise<RunOutcome>((resolve) => (resolveDone = resolve));

  const detach = () => {
    worker.off("message", onMessage);
    worker.off("error", onError);
    worker.off("exit", onExit);
  };

  const onMessage = (msg: WorkerMessage) => {
    if (msg.type === "stdout") stdout.write(msg.data);
    else if (msg.type === "stderr") stderr.write(msg.data);
    else if (msg.type === "done" || msg.type === "failed") {
      outcome ??= msg.type === "done" ? { returnCode: 0 } : { returnCode: 1, error: msg.message };
      if (msg.type === "done" && msg.reusable && !killed) {
        released = true;
        detach();
        workerPool.release(pooled);
        void logs.close(outcome).then(resolveDone);
      } else {
        // Its output already arrived on this port: the payload's timers or sockets do not keep its slot.
        void worker.terminate();
      }
    } else if (msg.type === "call") {
      const method = ctx.api[msg.method] as (...a: unknown[]) => Promise<unknown>;
      method(...msg.args).then(
        (result) => worker.postMessage({ type: "reply", callId: msg.callId, result }),
        (err: unknown) => worker.postMessage({ type: "reply", callId: msg.callId, error: err instanceof Error ? err.message : String(err) }),
      );
    }
  };
  const onError = (err: Error) => {
    outcome ??= { returnCode: 1, error: err.message };
  };
  const onExit = (code: number) => {
    clearTimeout(terminateTimer);
    detach();
    const ended = killed && outcome?.returnCode !== 0 ? { returnCode: null, error: "killed" } : (outcome ?? { returnCode: code || 1, error: "worker exited before the payload finished" });
    void logs.close(ended).then(resolveDone);
  };
  worker.on("message", onMessage);
  worker.on("error", onError);
  worker.on("exit", onExit);

  worker.postMessage({
    type: "run",
    modulePath,
    parameters: ctx.parameters,
    env: ctx.env,
    meta: { id: ctx.id, applicationName: ctx.applicationName, workDir: ctx.workDir, deliveryDir: ctx.deliveryDir },
  });

  return {
    done,
    kill() {
      if (released) return;
      killed = true;
      worker.postMessage({ type: "abort" });
      terminateTimer ??= setTimeout(() => void worker.terminate(), ctx.killGraceMs);
    },
  };
}

/** Calls a payload API method for a payload and returns the reply message. */
function answer(api: PayloadApi, msg: Extract<WorkerMessage, { type: "call" }>): Promise<{ type: "reply"; callId: number; result?: unknown; error?: string }> {
  const method = api[msg.method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (typeof method !== "function" || !Object.hasOwn(api, msg.method)) return Promise.resolve({ type: "reply", callId: msg.callId, error: `no method ${String(msg.method)}` });
  return method(...(Array.isArray(msg.args) ? msg.args : [])).then(
    (result) => ({ type: "reply" as const, callId: msg.callId, result }),
    (err: unknown) => ({ type: "reply" as const, callId: msg.callId, error: err instanceof Error ? err.message : String(err) }),
  );
}

/** Longest line read from an isolated payload process before it counts as raw output. */
const MAX_LINE = 8 * 1024 * 1024;

/**
 * Isolated node payload: a process of its own (node-payload-process.mjs) running as the payload
 * account, leading its own process group like a shell payload; kill = abort, then SIGKILL the group.
 */
function startNodePayloadProcess(ctx: RunContext): RunnerHandle {
  const account = ctx.account!;
  const modulePath = isAbsolute(ctx.path) ? ctx.path : join(ctx.jobsDir, ctx.path);
  const { child, logs, signalGroup, stderrHead } = spawnPayload(ctx, account, process.execPath, [processFile], "pipe");
  const { stdout, stderr } = logs;
  child.stdin!.on("error", () => undefined);

  let outcome: RunOutcome | undefined;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const toChild = (msg: unknown) => {
    if (child.stdin!.writable) child.stdin!.write(`${JSON.stringify(msg)}\n`);
  };

  let buffered = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      onLine(line);
    }
    // Raw output with no line end is not a message: it goes to the log rather than into the node's memory.
    if (buffered.length > MAX_LINE) {
      stdout.write(buffered);
      buffered = "";
    }
  });
  const onLine = (line: string) => {
    let msg: WorkerMessage;
    try {
      msg = JSON.parse(line) as WorkerMessage;
    } catch {
      // Written past the framing (fs.writeSync(1, …)): it is still the payload's output.
      stdout.write(`${line}\n`);
      return;
    }
    if (msg.type === "stdout") stdout.write(String(msg.data));
    else if (msg.type === "stderr") stderr.write(String(msg.data));
    else if (msg.type === "done") outcome ??= { returnCode: 0 };
    else if (msg.type === "failed") outcome ??= { returnCode: 1, error: String(msg.message) };
    else if (msg.type === "call") void answer(ctx.api, msg).then(toChild);
  };

  const done = new Promise<RunOutcome>((resolve) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.on("error", (err) => {
      exit ??= { code: null, signal: null };
      outcome ??= { returnCode: null, error: `could not start the payload process as ${account.name}: ${err.message}` };
    });
    child.on("exit", (code, signal) => {
      clearTimeout(killTimer);
      exit = { code, signal };
      signalGroup("SIGKILL");
    });
    child.on("close", () => {
      if (buffered) onLine(buffered);
      void logs.close(processOutcome()).then(resolve);
    });
    const processOutcome = (): RunOutcome => {
      const refused = sudoRefusal(account, stderrHead());
      if (refused && !outcome) return { returnCode: null, error: refused };
      if (killed && outcome?.returnCode !== 0) return { returnCode: null, error: "killed" };
      if (outcome) return outcome;
      if (exit?.signal) return { returnCode: null, error: `ended by signal ${exit.signal}` };
      return { returnCode: exit?.code || 1, error: "the payload process exited before the payload finished" };
    };
  });

  toChild({
    type: "run",
    modulePath,
    parameters: ctx.parameters,
    meta: { id: ctx.id, applicationName: ctx.applicationName, workDir: ctx.workDir, deliveryDir: ctx.deliveryDir },
  });

  return {
    done,
    processGroup: child.pid,
    kill() {
      killed = true;
      toChild({ type: "abort" });
      killTimer ??= setTimeout(() => signalGroup("SIGKILL"), ctx.killGraceMs);
    },
  };
}
