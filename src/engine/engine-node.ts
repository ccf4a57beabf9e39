import { mkdir } from "node:fs/promises";
import type { Logger } from "pino";
import { env, payloadBaseEnv } from "~/env";
import type { Node as NodeRow } from "~/generated/sqlite/client";
import { type Db, dialectOf } from "~/server/db";
import type { Unlisten } from "~/server/db/dialect";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { HEARTBEAT_INTERVAL_MS, databaseNow } from "~/server/services/nodes/node-health";
import type { RunClaim } from "~/server/services/runs/end-run";
import { ENQUEUE_CHANNEL, runEvents } from "~/server/services/runs/run-events";
import { JOBWARDEN_VERSION } from "~/version";
import { createEngineLogger, pinoLevel } from "./engine-log";
import { type ClaimedRun, startRuns } from "./claim";
import { EndWriter } from "./end-writer";
import { type RunningJob, abandonClaim, endUnstarted, killLeftovers, launchRun } from "./job-launcher";
import { type PayloadAccount, checkInstallReachable, findPayloadAccount, secureInstall } from "./payload-account";
import { measurePaths } from "~/security/path-probe";
import { measureInterfaces } from "./node-report";
import { NodeApiServer } from "~/node-api/node-api-server";
import { type MappingConfig, Poller } from "./poller";
import { isolatedRuntimeFiles, workerPool } from "./runners/node-runner";
import { Heartbeat } from "./heartbeat";
import { Reaper } from "./reaper";
import { beginIncarnation, declareDeadNodes, takeOverRuns } from "./recovery";
import { purgeHistory, purgeNodeFiles, retentionDays } from "./retention";
import { retryUntilWritten, sleep } from "./retry";
import { fireDueSchedules, holdLease, promoteScheduledRuns, releaseLease } from "./scheduler";

export const SCHEDULER_LEASE = "scheduler";
const INSTRUCTION_CHECK_MS = 1000;
const RETENTION_EVERY_MS = 3600_000;

export class NodeStartError extends Error {}

/** One engine node: pollers, runners, heartbeat, instructions, scheduler and recovery. */
export class EngineNode {
  readonly startedAt = new Date();
  readonly running = new Map<number, RunningJob>();
  private readonly claimed = new Set<Promise<void>>();
  /** Set once a stop's grace is over: a run still being launched then is killed as soon as it starts. */
  private stopKillReason: string | null = null;
  readonly pollers = new Map<number, Poller>();
  readonly counters = { ended: 0, crashed: 0, crashedByRecovery: 0, takenOver: 0, declaredDead: 0 };
  log!: Logger;
  node!: NodeRow;
  private stopping: Promise<void> | null = null;
  private loops: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private unlisten: Unlisten = async () => undefined;
  private lastRetention = 0;
  private api!: NodeApiServer;
  private heartbeat!: Heartbeat;
  private reaper!: Reaper;
  private ends!: EndWriter;
  /** This start's fencing token: the node's incarnation, raised again when it rejoins. */
  private incarnation = 0;
  /** The database refused a heartbeat: this node's claims were taken (see onFenced). */
  private fenced = false;
  /** Another process started under this node's name: this one stops without writing its status. */
  private superseded = false;
  private lastRejoinAt: Date | null = null;
  /** Node.payloadUser resolved (see payload-account.ts), or why it cannot be used. */
  private payloadAccount: PayloadAccount | null | Error = null;
  isSchedulerLeader = false;

  constructor(
    private readonly db: Db,
    readonly name: string,
    private readonly onStopped: () => void = () => undefined,
  ) {}

  private claimToken(): number | null {
    return this.node.enabled && !this.stopping && !this.fenced ? this.incarnation : null;
  }

  acceptingWork() {
    return this.claimToken() !== null;
  }

  async start() {
    const row = await this.db.node.findUnique({ where: { name: this.name }, include: { report: { select: { counters: true } } } });
    if (!row) throw new NodeStartError(`No node named ${this.name}: create it with \`jobwarden node create --name ${this.name}\``);
    const age = row.lastSeenAlive ? (await databaseNow(this.db)).getTime() - row.lastSeenAlive.getTime() : Infinity;
    const cleanlyStopped = (row.report?.counters as { state?: string } | null)?.state === "stopped";
    if (age < 2 * HEARTBEAT_INTERVAL_MS && !cleanlyStopped) {
      throw new NodeStartError(
        `Node ${this.name} heartbeated ${Math.round(age / 1000)} s ago: it is probably running already. ` +
          `If it is not, wait ${Math.ceil((2 * HEARTBEAT_INTERVAL_MS - age) / 1000)} s and start it again.`,
      );
    }
    this.node = row;
    this.log = createEngineLogger(row.name, row.logDir, row.logLevel);
    for (const dir of [row.jobsDir, row.deliverablesDir, row.tmpDir, row.logDir]) await mkdir(dir, { recursive: true, mode: 0o750 });

    this.incarnation = (await beginIncarnation(this.db, row.id, HEARTBEAT_INTERVAL_MS))!;
    await this.db.node.update({ where: { id: row.id }, data: { stopRequested: false } });
    const taken = await takeOverRuns(
      this.db,
      row.id,
      `node ${row.name} restarted: the run was still attributed to its previous start (it was killed or crashed with the node)`,
    );
    if (taken.crashed.length) this.log.warn({ runs: taken.crashed }, "runs left by the previous start of this node marked CRASHED");
    if (taken.resubmitted.length) this.log.warn({ runs: taken.resubmitted }, "runs claimed but not started by the previous start of this node put back in their queue");
    await this.refreshPayloadAccount();
    await killLeftovers(row.tmpDir, taken.crashed, this.log, this.payloadAccount instanceof Error ? null : this.payloadAccount);
    this.reaper = new Reaper();
    this.ends = new EndWriter(this.db);
    this.heartbeat = new Heartbeat({
      databaseUrl: env.DATABASE_URL,
      nodeId: row.id,
      incarnation: this.incarnation,
      intervalMs: HEARTBEAT_INTERVAL_MS,
      onFenced: () => void this.onFenced().catch((err: unknown) => this.log.error({ err }, "could not handle the refused heartbeat")),
      onError: (message) => this.log.warn({ error: message }, "heartbeat failed; retrying"),
    });

    this.api = new NodeApiServer(this.db, this, this.log);
    await this.refreshConfiguration();
    await this.writeReport();
    runEvents.on("enqueued", this.onEnqueued);
    this.unlisten = dialectOf(this.db).listen(ENQUEUE_CHANNEL, (queueId) => this.onEnqueued(Number(queueId)), {
      retryMs: HEARTBEAT_INTERVAL_MS,
      onError: (err) => this.log.warn({ err }, "cannot listen for enqueues of other processes; pollers keep polling"),
    });

    this.loops = [
      this.every(HEARTBEAT_INTERVAL_MS, () => this.housekeeping()),
      this.every(INSTRUCTION_CHECK_MS, () => this.checkInstructions()),
      this.every(Math.min(1000, HEARTBEAT_INTERVAL_MS), () => this.schedule()),
    ];
    this.log.info({ version: JOBWARDEN_VERSION, pollers: this.pollers.size }, `node ${row.name} started`);
  }

  /** Graceful stop: no new claims, running jobs get NODE_STOP_GRACE_MS, then are killed. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string) {
    this.log.info({ reason, running: this.claimed.size }, "node stopping");
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    const allDone = () => Promise.all([...this.claimed]);
    /** True when the running jobs did not all end within `ms`; the timer never outlives the wait. */
    const outlast = async (ms: number) => {
      const timer = new AbortController();
      const timedOut = await Promise.race([allDone().then(() => false), sleep(ms, timer.signal).then(() => !timer.signal.aborted)]);
      timer.abort();
      return timedOut;
    };
    if (await outlast(env.NODE_STOP_GRACE_MS)) {
      this.stopKillReason = `node ${this.name} stopping (${reason})`;
      for (const r of this.running.values()) this.killLocal(r, this.stopKillReason);
      if (await outlast(env.NODE_KILL_GRACE_MS + 10_000)) {
        this.log.error({ runs: [...this.running.keys()] }, "runs did not end after a kill; the next start marks them CRASHED");
      }
    }
    this.abort.abort();
    await this.heartbeat.stop();
    this.reaper.close();
    await workerPool.close();
    runEvents.off("enqueued", this.onEnqueued);
    await this.api.closeAll();
    await Promise.allSettled(this.loops);
    await this.unlisten();
    if (this.superseded) {
      this.log.warn("node stopped (superseded: its status is the other process's to write)");
      return this.onStopped();
    }
    try {
      if (this.isSchedulerLeader) await releaseLease(this.db, SCHEDULER_LEASE, this.name);
      await this.writeReport("stopped");
      await this.db.node.update({ where: { id: this.node.id }, data: { stopRequested: false } });
    } catch (err) {
      this.log.warn({ err }, "could not write the final status");
    }
    this.log.info("node stopped");
    this.onStopped();
  }

  private onEnqueued = (queueId: number) => {
    for (const p of this.pollers.values()) if (p.mapping.queueId === queueId) p.wake();
  };

  private async every(ms: number, fn: () => Promise<void>) {
    while (!this.abort.signal.aborted) {
      try {
        await fn();
      } catch (err) {
        this.log.warn({ err }, "engine loop failed; retrying");
      }
      await sleep(ms, this.abort.signal);
    }
  }

  /**
   * Claimed runs, from their claim until they have ended: a graceful stop waits for these, not only for
   * the runs already started (a run claimed just before the stop request would otherwise be killed at exit).
   */
  async runClaimed(runs: ClaimedRun[], token: number, onEnded: (id: number) => void): Promise<void> {
    const batch = this.launchBatch(runs, { nodeId: this.node.id, token }, onEnded);
    this.claimed.add(batch);
    try {
      await batch;
    } finally {
      this.claimed.delete(batch);
    }
  }

  /** ATTRIBUTED → RUNNING for the whole claim in one statement, then each payload. */
  private async launchBatch(runs: ClaimedRun[], claim: RunClaim, onEnded: (id: number) => void): Promise<void> {
    const giveBack = (id: number, err: unknown) => {
      this.log.error({ err, run: id }, "could not launch a claimed run; giving it back");
      const reason = err instanceof Error ? err.message.split("\n").filter(Boolean).at(-1)! : String(err);
      return retryUntilWritten("giving back a claimed run", () => abandonClaim(this.db, id, claim, reason), this.log);
    };
    let started: Set<number>;
    try {
      started = await startRuns(this.db, runs.map((r) => r.id), claim);
    } catch (err) {
      await Promise.all(runs.map((r) => giveBack(r.id, err)));
      for (const r of runs) onEnded(r.id);
      return;
    }
    await Promise.all(
      runs.map(async (run) => {
        try {
          if (started.has(run.id)) await this.launchAndWait(run, claim);
          else await endUnstarted(this.db, run.id, claim);
        } catch (err) {
          await giveBack(run.id, err);
        } finally {
          onEnded(run.id);
        }
      }),
    );
  }

  private async launchAndWait(run: ClaimedRun, claim: RunClaim): Promise<void> {
    const job = await launchRun(
      {
        db: this.db,
        node: this.node,
        log: this.log,
        killGraceMs: env.NODE_KILL_GRACE_MS,
        ends: this.ends,
        localApiUrl: this.api.localUrl(),
        baseEnv: payloadBaseEnv(),
        reaper: this.reaper,
        payloadAccount: this.payloadAccount,
      },
      run,
      claim,
    );
    this.running.set(run.id, job);
    if (this.stopKillReason) this.killLocal(job, this.stopKillReason);
    const state = await job.done.finally(() => this.running.delete(run.id));
    if (state === "ENDED") this.counters.ended++;
    else if (state === "CRASHED") this.counters.crashed++;
    else this.counters.takenOver++;
  }

  private killLocal(job: RunningJob, by: string) {
    job.killedBy ??= by;
    job.handle.kill();
  }

  killRunLocally(id: number, by: string): boolean {
    const job = this.running.get(id);
    if (job) this.killLocal(job, by);
    return !!job;
  }

  /** JQM's health check: every enabled poller reached the database at its last poll. */
  allPollersPolling(): boolean {
    return this.pollers.size > 0 && [...this.pollers.values()].every((p) => p.polling);
  }

  private async checkInstructions() {
    if (this.running.size === 0) return;
    const ids = [...this.running.keys()];
    const rows = await this.db.jobInstance.findMany({
      where: { id: { in: ids } },
      select: { id: true, instruction: true, instructedBy: true, nodeId: true, fencingToken: true },
    });
    for (const id of ids) {
      const job = this.running.get(id);
      const row = rows.find((r) => r.id === id);
      if (!job || job.ending) continue;
      if (!row || row.nodeId !== job.claim.nodeId || row.fencingToken !== job.claim.token) await this.takenOver(job);
      else if (row.instruction === "KILL") this.killLocal(job, row.instructedBy ?? "an operator");
    }
  }

  /** The run is no longer this node's: its payload is killed, its end is not this node's to write. */
  private async takenOver(job: RunningJob, by?: { name: string; at: Date | null }) {
    if (job.takenOver) return;
    job.takenOver = true;
    job.handle.kill();
    if (!by) {
      const [node, ended] = await Promise.all([
        this.db.node.findUnique({ where: { id: this.node.id }, select: { declaredDeadAt: true, declaredDeadBy: true } }),
        this.db.history.findUnique({ where: { id: job.id }, select: { endedAt: true } }),
      ]);
      const declared = node?.declaredDeadBy && node.declaredDeadAt && node.declaredDeadAt >= job.startedAt;
      by = { name: declared ? node.declaredDeadBy! : `another start of node ${this.name}`, at: ended?.endedAt ?? node?.declaredDeadAt ?? null };
    }
    this.log.warn({ run: job.id }, `run ${job.id} was taken over by ${by.name} at ${by.at?.toISOString() ?? "an unknown time"}; payload killed`);
  }

  /**
   * The database refused a heartbeat: this node's incarnation moved on. Either another node declared
   * it dead (a long pause: its runs were taken over) and it rejoins with a new incarnation, or another
   * process started under its name and this one stops. Either way its payloads are killed.
   */
  private async onFenced() {
    if (this.fenced || this.stopping) return;
    this.fenced = true;
    const lastBeat = this.heartbeat.lastBeatAt;
    const n = await this.db.node.findUnique({ where: { id: this.node.id }, select: { incarnation: true, declaredDeadAt: true, declaredDeadBy: true } });
    const declaredDead = !!n?.declaredDeadBy && !!n.declaredDeadAt && (!lastBeat || n.declaredDeadAt > lastBeat);
    const by = { name: declaredDead ? n!.declaredDeadBy! : `another start of node ${this.name}`, at: declaredDead ? n!.declaredDeadAt : null };
    await Promise.all([...this.running.values()].map((job) => this.takenOver(job, by)));
    if (!n || !declaredDead) {
      this.superseded = true;
      this.log.error(
        { incarnation: this.incarnation, now: n?.incarnation },
        n ? `another process started as node ${this.name}: this one stops` : `node ${this.name} was deleted: this process stops`,
      );
      void this.stop("superseded");
      return;
    }
    this.log.error(
      { lastHeartbeat: lastBeat, declaredDeadAt: n.declaredDeadAt, declaredDeadBy: n.declaredDeadBy },
      `node ${this.name} was declared dead by ${n.declaredDeadBy} at ${n.declaredDeadAt!.toISOString()} (its last heartbeat was at ${lastBeat?.toISOString() ?? "start"}): its runs were taken over; rejoining`,
    );
    const incarnation = await beginIncarnation(this.db, this.node.id, HEARTBEAT_INTERVAL_MS, n.incarnation);
    if (incarnation === null) {
      this.fenced = false;
      return void this.onFenced();
    }
    await createAuditEvent(this.db, {
      actor: { userId: null, login: `node ${this.name}`, fromAddress: "local" },
      action: "node.rejoin",
      objectType: "node",
      objectId: this.node.id,
      before: { incarnation: this.incarnation, lastHeartbeat: lastBeat },
      after: { incarnation, declaredDeadAt: n.declaredDeadAt, declaredDeadBy: n.declaredDeadBy, payloadsKilled: [...this.running.keys()] },
    });
    this.incarnation = incarnation;
    this.counters.declaredDead++;
    this.lastRejoinAt = new Date();
    this.heartbeat.resume(incarnation);
    this.fenced = false;
    this.log.warn({ incarnation }, `node ${this.name} rejoined the cluster`);
  }

  private async housekeeping() {
    await this.refreshConfiguration();
    if (this.fenced || this.superseded) return;
    await this.writeReport();
    const taken = await declareDeadNodes(this.db, { ...this.node, healthyForMs: this.heartbeat.healthyForMs() }, this.log);
    // A claim that committed just as this node took a new incarnation (a rejoin) carries the old token.
    const own = await takeOverRuns(
      this.db,
      this.node.id,
      `its claim by an earlier incarnation of node ${this.name} no longer stands (the node rejoined)`,
      this.incarnation,
    );
    this.counters.crashedByRecovery += taken.crashed.length + own.crashed.length;
    await this.applyRetention();
  }

  /** Node parameters and mappings are re-read every heartbeat and applied live. */
  async refreshConfiguration() {
    const row = await this.db.node.findUniqueOrThrow({
      where: { id: this.node.id },
      include: { mappings: { include: { queue: { select: { name: true } } } } },
    });
    const { mappings, ...node } = row;
    if (node.logLevel !== this.node.logLevel) this.log.level = pinoLevel(node.logLevel);
    this.node = node;
    await this.refreshPayloadAccount();
    if (node.stopRequested && !this.stopping) void this.stop("stop requested in the database");
    if (!this.stopping) await this.api.apply(node);

    const wanted = new Map<number, MappingConfig>(
      mappings
        .filter((m) => m.enabled)
        .map((m) => [m.id, { id: m.id, queueId: m.queueId, queueName: m.queue.name, maxThreads: m.maxThreads, pollingIntervalMs: m.pollingIntervalMs, enabled: m.enabled }]),
    );
    for (const [id, poller] of this.pollers) {
      const m = wanted.get(id);
      if (!m) {
        this.pollers.delete(id);
        void poller.stop();
        this.log.info({ queue: poller.mapping.queueName }, "poller removed");
      } else if (JSON.stringify(m) !== JSON.stringify(poller.mapping)) {
        poller.mapping = m;
        poller.wake();
        this.log.info({ queue: m.queueName, maxThreads: m.maxThreads, pollingIntervalMs: m.pollingIntervalMs }, "poller updated");
      }
    }
    if (this.stopping) return;
    for (const [id, m] of wanted) {
      if (this.pollers.has(id)) continue;
      const poller = new Poller({ db: this.db, nodeId: node.id, log: this.log, claimToken: () => this.claimToken(), runClaimed: (runs, token, onEnded) => this.runClaimed(runs, token, onEnded) }, m);
      this.pollers.set(id, poller);
      poller.start();
      this.log.info({ queue: m.queueName, maxThreads: m.maxThreads }, "poller started");
    }
  }

  /**
   * Resolves Node.payloadUser when it changed (or could not be used yet) and, when payloads run
   * isolated, closes the install to them. A payload account that cannot be used makes runs fail
   * with the reason: they never silently run as the node's own account.
   */
  private async refreshPayloadAccount() {
    const wanted = this.node.payloadUser?.trim() || null;
    const current = this.payloadAccount;
    // An unusable account is looked up again every heartbeat: it may have been created meanwhile.
    if (!(current instanceof Error) && (current?.name ?? null) === wanted) return;
    if (!wanted) {
      this.payloadAccount = null;
      this.log.warn("payloads run as the node's own account: a job definition can read and change this install (see README, Payload isolation)");
      return;
    }
    try {
      const account = await findPayloadAccount(wanted);
      await checkInstallReachable(account, isolatedRuntimeFiles);
      await secureInstall({
        home: env.JOBWARDEN_HOME,
        sqliteFile: env.DATABASE_URL.startsWith("file:") ? env.DATABASE_URL.slice("file:".length) : null,
        node: this.node,
      });
      this.payloadAccount = account;
      this.log.info({ payloadUser: account.name, via: account.via }, "payloads run isolated");
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      if (!(current instanceof Error) || current.message !== failure.message) this.log.error({ payloadUser: wanted, error: failure.message }, "payload isolation unusable: runs fail until it is fixed");
      this.payloadAccount = failure;
    }
  }

  private async writeReport(state: "running" | "stopped" = "running") {
    const report = {
      pid: process.pid,
      version: JOBWARDEN_VERSION,
      startedAt: this.startedAt,
      reportedAt: new Date(),
      listeners: state === "stopped" ? [] : this.api.report(),
      interfaces: measureInterfaces(),
      pathModes: await measurePaths(this.node),
      counters: {
        state,
        running: this.running.size,
        ...this.counters,
        incarnation: this.incarnation,
        heartbeat: { intervalMs: HEARTBEAT_INTERVAL_MS, beats: this.heartbeat.beats, maxGapMs: this.heartbeat.maxGapMs, lastBeatAt: this.heartbeat.lastBeatAt },
        lastRejoinAt: this.lastRejoinAt,
        payloadIsolation:
          this.payloadAccount instanceof Error
            ? { isolated: false, user: this.node.payloadUser, error: this.payloadAccount.message }
            : { isolated: !!this.payloadAccount, user: this.payloadAccount?.name ?? null, via: this.payloadAccount?.via ?? null },
        schedulerLeader: this.isSchedulerLeader,
        pollers: [...this.pollers.values()].map((p) => ({
          queue: p.mapping.queueName,
          maxThreads: p.mapping.maxThreads,
          running: p.running,
          polling: p.polling,
          finishedPerSecond: p.finishedPerSecond(),
        })),
      },
    };
    await this.db.nodeReport.upsert({ where: { nodeId: this.node.id }, create: { nodeId: this.node.id, ...report }, update: report });
  }

  private async schedule() {
    if (this.fenced || this.superseded) return;
    await promoteScheduledRuns(this.db);
    this.isSchedulerLeader = await holdLease(this.db, SCHEDULER_LEASE, this.name, 3 * HEARTBEAT_INTERVAL_MS);
    if (this.isSchedulerLeader) await fireDueSchedules(this.db, this.log);
  }

  private async applyRetention() {
    if (Date.now() - this.lastRetention < RETENTION_EVERY_MS) return;
    this.lastRetention = Date.now();
    const days = await retentionDays(this.db);
    if (!days) return;
    const cutoff = new Date(Date.now() - days * 86_400_000);
    await purgeNodeFiles(this.db, this.node, cutoff, this.log);
    if (this.isSchedulerLeader) await purgeHistory(this.db, cutoff, this.log);
  }
}
