import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Db } from "~/server/db";
import { type EndRunOptions, type RunClaim, endRun } from "~/server/services/runs/end-run";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { RunTakenOverError, writeAsOwner } from "~/server/services/runs/owned-run";
import { runLogFiles } from "~/server/services/runs/run-paths";
import type { ClaimedRun } from "./claim";
import { type DeliverableData, moveDeliverable, removeDeliverableFiles, resolveInside, takeDeliverable, takeDeliveryDir } from "./deliverables";
import { type PayloadAccount, preparePayloadDirs, removePayloadDirs, signalPayloadGroup } from "./payload-account";
import { retryUntilWritten } from "./retry";
import { startNodePayload } from "./runners/node-runner";
import { startProcess } from "./runners/process-runner";
import type { PayloadApi, RunOutcome, RunnerHandle } from "./runners/types";

export type NodeConfig = {
  id: number;
  name: string;
  jobsDir: string;
  deliverablesDir: string;
  tmpDir: string;
  logDir: string;
  logLevel: string;
};

export type LaunchOptions = {
  db: Db;
  node: NodeConfig;
  log: Logger;
  killGraceMs: number;
  /** Writes the ends of runs (EndWriter batches them); endRun one at a time by default. */
  ends?: { write(end: EndRunOptions): Promise<boolean> };
  /** URL of the node's simple API, for JQM_API_LOCAL_URL. */
  localApiUrl: string | null;
  /** Environment handed to every payload (PATH, HOME…; never the database URL). */
  baseEnv: Record<string, string>;
  /** Ends the payloads' process groups if the node dies (see reaper.ts). */
  reaper?: { watch(processGroup: number, account?: PayloadAccount | null): void; forget(processGroup: number): void };
  /**
   * The account payloads run as (Node.payloadUser), null for the node's own, or why the configured
   * one cannot be used: the run then ends CRASHED with that reason rather than run unisolated.
   */
  payloadAccount?: PayloadAccount | null | Error;
};

export type RunningJob = {
  id: number;
  /** The claim this node holds on the run: every write about it is fenced by it. */
  claim: RunClaim;
  applicationName: string;
  alertAfterSeconds: number | null;
  startedAt: Date;
  handle: RunnerHandle;
  killedBy?: string;
  /** Set when the run was taken from this node: its end is then not this node's to write. */
  takenOver?: boolean;
  /** The payload has ended and the node is writing the run's end. */
  ending?: boolean;
  done: Promise<"ENDED" | "CRASHED" | "TAKEN OVER">;
};

const PROCESS_GROUP_FILE = ".jobwarden-process-group";
/**
 * In the work dir, except for an isolated payload: it owns its work dir and must not choose what a
 * restarted node kills, so its group is recorded beside it.
 */
const processGroupFile = (tmpDir: string, id: number, isolated: boolean) =>
  isolated ? join(tmpDir, `.${id}${PROCESS_GROUP_FILE}`) : join(tmpDir, String(id), PROCESS_GROUP_FILE);

/**
 * After a node crash its shell/exec payloads may still run (they lead their own process group):
 * a restarted node ends them and removes their work dirs.
 */
export async function killLeftovers(tmpDir: string, runIds: number[], log: Logger, account: PayloadAccount | null = null) {
  for (const id of runIds) {
    const workDir = join(tmpDir, String(id));
    const dir = await stat(workDir).catch(() => null);
    const nodeOwnsWorkDir = !!dir && dir.uid === process.getuid?.() && (dir.mode & 0o022) === 0;
    const recorded =
      (await readFile(processGroupFile(tmpDir, id, true), "utf8").catch(() => null)) ??
      (nodeOwnsWorkDir ? await readFile(processGroupFile(tmpDir, id, false), "utf8").catch(() => "") : "");
    const group = Number(recorded);
    if (group > 1) {
      signalPayloadGroup(account, group, "SIGKILL");
      log.warn({ run: id, processGroup: group }, "killed processes left by a crashed run");
    }
    await removePayloadDirs(account, workDir);
    await rm(processGroupFile(tmpDir, id, true), { force: true });
  }
}


/**
 * A claimed run that did not start (startRuns): one an operator killed meanwhile ends CRASHED; one
 * that is no longer this node's is left to its new owner.
 */
export async function endUnstarted(db: Db, id: number, claim: RunClaim) {
  const now = await db.jobInstance.findUnique({ where: { id }, select: { instruction: true, instructedBy: true } });
  if (now?.instruction === "KILL") {
    await endRun(db, { id, state: "CRASHED", endReason: `killed by ${now.instructedBy ?? "an operator"} before it started`, fromStates: ["ATTRIBUTED"], claim });
  }
}

/**
 * Starts the payload of a run this node claimed and started (claim.ts: claimRuns, startRuns), and when
 * it ends registers its deliverables and moves it to History.
 */
export async function launchRun(opts: LaunchOptions, ji: ClaimedRun, claim: RunClaim): Promise<RunningJob> {
  const { db, node, log } = opts;
  const { id } = ji;
  const workDir = join(node.tmpDir, String(id));
  const deliveryDir = join(workDir, "delivery");
  const account = opts.payloadAccount instanceof Error ? null : (opts.payloadAccount ?? null);
  let cannotStart = opts.payloadAccount instanceof Error ? opts.payloadAccount.message : null;
  await preparePayloadDirs(account, workDir, deliveryDir).catch((err: unknown) => {
    cannotStart = err instanceof Error ? err.message : String(err);
  });
  await mkdir(node.logDir, { recursive: true, mode: 0o750 });
  const files = runLogFiles(node.logDir, id);
  const parameters = ji.parameters;
  const jd = ji.jobDef;

  const env: Record<string, string> = {
    ...opts.baseEnv,
    JQM_JD_APPLICATION_NAME: jd.applicationName,
    JQM_JD_KEYWORD_1: jd.keyword1 ?? "",
    JQM_JD_KEYWORD_2: jd.keyword2 ?? "",
    JQM_JD_KEYWORD_3: jd.keyword3 ?? "",
    JQM_JD_MODULE: jd.module ?? "",
    JQM_JD_PRIORITY: String(jd.priority),
    JQM_JI_ID: String(id),
    JQM_JI_PARENT_ID: ji.parentId == null ? "" : String(ji.parentId),
    JQM_JI_KEYWORD_1: ji.keyword1 ?? "",
    JQM_JI_KEYWORD_2: ji.keyword2 ?? "",
    JQM_JI_KEYWORD_3: ji.keyword3 ?? "",
    JQM_JI_MODULE: ji.module ?? "",
    JQM_JI_USER_NAME: ji.userName ?? "",
    JQM_JI_TEMP_DIR: workDir,
    JQM_JI_DELIVERY_DIR: deliveryDir,
    JQM_NODE_NAME: node.name,
    JQM_NODE_APPLICATION_ROOT: node.jobsDir,
    JQM_NODE_LOG_LEVEL: node.logLevel,
    JQM_Q_NAME: ji.queueName,
    JQM_API_LOCAL_URL: opts.localApiUrl ?? "",
    // An isolated payload has no business in the node's home directory.
    ...(account ? { HOME: workDir, TMPDIR: workDir, USER: account.name, LOGNAME: account.name } : {}),
  };

  const runLog = log.child({ run: id, app: jd.applicationName });
  // Every write a payload asks for is fenced by the claim: refused once the run was taken over.
  const api: PayloadApi = {
    async sendProgress(progress) {
      const p = Math.max(0, Math.min(100, Math.round(Number(progress))));
      if (!Number.isFinite(p)) throw new Error("progress must be a number");
      const { count } = await db.jobInstance.updateMany({ where: { id, nodeId: claim.nodeId, fencingToken: claim.token }, data: { progress: p } });
      if (count !== 1) throw new RunTakenOverError(id);
    },
    async sendMessage(text) {
      await writeAsOwner(db, id, claim, (tx) => tx.message.create({ data: { jobInstanceId: id, text: String(text).slice(0, 1000) } }));
    },
    async addDeliverable(path, fileFamily, originalName) {
      const stored = { runId: id, nodeName: node.name, deliverablesDir: node.deliverablesDir };
      // An isolated payload's process has moved the file into the delivery dir as the payload account:
      // the node never looks a path of the payload's up (node-payload-process.mjs).
      const data = account
        ? await takeDeliverable({ ...stored, deliveryDir, name: path, owner: account.uid, fileFamily, originalName })
        : await moveDeliverable({ ...stored, file: await resolveInside(workDir, path), fileFamily });
      try {
        await writeAsOwner(db, id, claim, (tx) => tx.deliverable.create({ data }));
      } catch (err) {
        await removeDeliverableFiles(node.deliverablesDir, [data]);
        throw err;
      }
    },
    async enqueue(applicationName, params = {}) {
      if (!(await db.jobInstance.count({ where: { id, nodeId: claim.nodeId, fencingToken: claim.token } }))) throw new RunTakenOverError(id);
      const child = await enqueueRun(db, { applicationName, parameters: params, parentId: id, user: ji.userName, sessionId: ji.sessionId });
      return child.id;
    },
  };

  runLog.info("run starting");

  const ctx = {
    id,
    applicationName: jd.applicationName,
    payloadType: jd.payloadType,
    path: jd.path,
    parameters,
    env,
    workDir,
    deliveryDir,
    stdoutFile: files.stdout,
    stderrFile: files.stderr,
    jobsDir: node.jobsDir,
    killGraceMs: opts.killGraceMs,
    account,
    log: runLog,
    api,
  };
  let handle: RunnerHandle;
  try {
    if (cannotStart) throw new Error(`payload isolation: ${cannotStart}`);
    handle = jd.payloadType === "node" ? startNodePayload(ctx) : startProcess(ctx);
  } catch (err) {
    handle = { done: Promise.resolve({ returnCode: null, error: `could not start: ${(err as Error).message}` }), kill() {} };
  }

  const group = handle.processGroup;
  if (group) {
    opts.reaper?.watch(group, account);
    await writeFile(processGroupFile(node.tmpDir, id, !!account), String(group), { mode: 0o600 });
  }

  const running: RunningJob = { id, claim, applicationName: jd.applicationName, alertAfterSeconds: jd.alertAfterSeconds, startedAt: new Date(), handle, done: Promise.resolve("ENDED") };
  running.done = handle.done.then((outcome) => {
    if (group) opts.reaper?.forget(group);
    return finishRun(opts, running, outcome, deliveryDir, workDir, runLog, account);
  });
  return running;
}

/**
 * A claimed run this node could not start (the database failed mid-launch…): it goes back to its
 * queue if it never reached RUNNING, else it ends CRASHED with `reason`. Guarded by the claim.
 */
export async function abandonClaim(db: Db, id: number, claim: RunClaim, reason: string) {
  const { count } = await db.jobInstance.updateMany({
    where: { id, state: "ATTRIBUTED", nodeId: claim.nodeId, fencingToken: claim.token },
    data: { state: "SUBMITTED", nodeId: null, fencingToken: null, attributedAt: null },
  });
  if (count === 0) await endRun(db, { id, state: "CRASHED", endReason: `could not start: ${reason}`, fromStates: ["RUNNING"], claim });
}

async function finishRun(
  opts: LaunchOptions,
  running: RunningJob,
  outcome: RunOutcome,
  deliveryDir: string,
  workDir: string,
  log: Logger,
  account: PayloadAccount | null,
): Promise<"ENDED" | "CRASHED" | "TAKEN OVER"> {
  const { db, node } = opts;
  running.ending = true;
  let ok = outcome.returnCode === 0 && !running.killedBy && !running.takenOver;
  let endReason = running.killedBy ? `killed by ${running.killedBy}` : ok ? null : (outcome.error ?? `exit code ${outcome.returnCode}`);
  const deliverables: DeliverableData[] = [];
  if (ok) {
    try {
      deliverables.push(
        ...(await takeDeliveryDir({ runId: running.id, nodeName: node.name, deliverablesDir: node.deliverablesDir, deliveryDir, owner: account?.uid ?? null })),
      );
    } catch (err) {
      ok = false;
      endReason = `could not store its deliverables: ${(err as Error).message}`;
    }
  }
  const state = ok ? "ENDED" : "CRASHED";
  const written = running.takenOver
    ? false
    : await retryUntilWritten(
        "writing the end of a run",
        () => {
          const end = { id: running.id, state, returnCode: outcome.returnCode, endReason, claim: running.claim, deliverables } as const;
          return opts.ends ? opts.ends.write(end) : endRun(db, end);
        },
        log,
      );
  await removePayloadDirs(account, workDir);
  if (account) await rm(processGroupFile(node.tmpDir, running.id, true), { force: true });
  if (written) {
    log.info({ state, returnCode: outcome.returnCode, endReason }, "run ended");
    return state;
  }
  // The run was taken from this node (declared dead, or restarted elsewhere): its end was written
  // by whoever took it. This end is kept as a message on the run, once, and never retried.
  await removeDeliverableFiles(node.deliverablesDir, deliverables);
  const end = running.takenOver ? "killed when the node found it had been taken over" : `${state}${endReason ? ` (${endReason})` : ""}`;
  const text = `Node ${node.name} also ended this run at ${new Date().toISOString()}: ${end}. That end was not recorded: the run was no longer this node's.`;
  await db.message.create({ data: { jobInstanceId: running.id, text } }).catch((err: unknown) => log.warn({ err }, "could not record the second end of a run"));
  log.warn({ state, returnCode: outcome.returnCode }, "run ended after it was taken over: its end was not recorded");
  return "TAKEN OVER";
}
