import { mkdir } from "node:fs/promises";
import pg from "pg";
import type { Logger } from "pino";
import { env, isPostgresUrl, payloadBaseEnv } from "~/env";
import type { Node as NodeRow } from "~/generated/sqlite/client";
import type { Db } from "~/server/db";
import { HEARTBEAT_INTERVAL_MS } from "~/server/services/nodes/node-health";
import { PG_ENQUEUE_CHANNEL, runEvents } from "~/server/services/runs/run-events";
import { JOBWARDEN_VERSION } from "~/version";
import { createEngineLogger, pinoLevel } from "./engine-log";
import { type RunningJob, killLeftovers, launchRun } from "./job-launcher";
import { measurePaths } from "~/security/path-probe";
import { measureInterfaces } from "./node-report";
import { NodeApiServer } from "~/node-api/node-api-server";
import { type MappingConfig, Poller } from "./poller";
import { workerPool } from "./runners/node-runner";
import { crashRunsOfDeadNodes, crashRunsOfNode } from "./recovery";
import { purgeHistory, purgeNodeFiles, retentionDays } from "./retention";
import { sleep } from "./retry";
import { fireDueSchedules, holdLease, promoteScheduledRuns, releaseLease } from "./scheduler";

export const SCHEDULER_LEASE = "scheduler";
const INSTRUCTION_CHECK_MS = 1000;
const RETENTION_EVERY_MS = 3600_000;

export class NodeStartError extends Error {}

/** One engine node: pollers, runners, heartbeat, instructions, scheduler and recovery. */
export class EngineNode {
  readonly startedAt = new Date();
  readonly running = new Map<number, RunningJob>();
  readonly pollers = new Map<number, Poller>();
  readonly counters = { ended: 0, crashed: 0, crashedByRecovery: 0 };
  log!: Logger;
  node!: NodeRow;
  private stopping: Promise<void> | null = null;
  private loops: Promise<void>[] = [];
  private readonly abort = new AbortController();
  private pgListener: pg.Client | null = null;
  private lastRetention = 0;
  private api!: NodeApiServer;
  isSchedulerLeader = false;
  lastHeartbeatOk = false;

  constructor(
    private readonly db: Db,
    readonly name: string,
    private readonly onStopped: () => void = () => undefined,
  ) {}

  acceptingWork() {
    return this.node.enabled && !this.stopping;
  }

  async start() {
    const row = await this.db.node.findUnique({ where: { name: this.name }, include: { report: { select: { counters: true } } } });
    if (!row) throw new NodeStartError(`No node named ${this.name}: create it with \`jobwarden node create --name ${this.name}\``);
    const age = row.lastSeenAlive ? Date.now() - row.lastSeenAlive.getTime() : Infinity;
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

    const crashed = await crashRunsOfNode(
      this.db,
      row.id,
      `node ${row.name} restarted: the run was still attributed to it (it was killed or crashed with the node)`,
    );
    if (crashed.length) this.log.warn({ runs: crashed }, "runs left by the previous life of this node marked CRASHED");
    await killLeftovers(row.tmpDir, crashed, this.log);
    await this.db.node.update({ where: { id: row.id }, data: { lastSeenAlive: new Date(), stopRequested: false } });

    this.api = new NodeApiServer(this.db, this, this.log);
    await this.refreshConfiguration();
    await this.writeReport();
    runEvents.on("enqueued", this.onEnqueued);
    if (isPostgresUrl(env.DATABASE_URL)) void this.listenForEnqueues();

    this.loops = [
      this.every(HEARTBEAT_INTERVAL_MS, () => this.heartbeat()),
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
    this.log.info({ reason, running: this.running.size }, "node stopping");
    await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    const allDone = () => Promise.all([...this.running.values()].map((r) => r.done));
    /** True when the running jobs did not all end within `ms`; the timer never outlives the wait. */
    const outlast = async (ms: number) => {
      const timer = new AbortController();
      const timedOut = await Promise.race([allDone().then(() => false), sleep(ms, timer.signal).then(() => !timer.signal.aborted)]);
      timer.abort();
      return timedOut;
    };
    if (await outlast(env.NODE_STOP_GRACE_MS)) {
      for (const r of this.running.values()) this.killLocal(r, `node ${this.name} stopping (${reason})`);
      if (await outlast(env.NODE_KILL_GRACE_MS + 10_000)) {
        this.log.error({ runs: [...this.running.keys()] }, "runs did not end after a kill; the next start marks them CRASHED");
      }
    }
    this.abort.abort();
    await workerPool.close();
    runEvents.off("enqueued", this.onEnqueued);
    await this.api.closeAll();
    await Promise.allSettled(this.loops);
    await this.pgListener?.end().catch(() => undefined);
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

  private async listenForEnqueues() {
    while (!this.abort.signal.aborted) {
      const client = new pg.Client({ connectionString: env.DATABASE_URL });
      const lost = new Promise<void>((resolve) => {
        client.on("error", (err) => {
          this.log.warn({ err }, "LISTEN connection lost; pollers keep polling");
          resolve();
        });
        client.on("end", () => resolve());
        this.abort.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      client.on("notification", (msg) => this.onEnqueued(Number(msg.payload)));
      try {
        await client.connect();
        await client.query(`LISTEN ${PG_ENQUEUE_CHANNEL}`);
        this.pgListener = client;
        await lost;
      } catch (err) {
        this.log.warn({ err }, "cannot LISTEN for enqueues; pollers keep polling");
      }
      await client.end().catch(() => undefined);
      await sleep(HEARTBEAT_INTERVAL_MS, this.abort.signal);
    }
  }

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

  async runClaimed(id: number, poller: Poller): Promise<void> {
    const job = await launchRun(
      {
        db: this.db,
        node: this.node,
        log: this.log,
        killGraceMs: env.NODE_KILL_GRACE_MS,
        localApiUrl: this.api.localUrl(),
        baseEnv: payloadBaseEnv(),
      },
      id,
    ).catch((err: unknown) => {
      this.log.error({ err, run: id, queue: poller.mapping.queueName }, "could not launch a claimed run");
      return null;
    });
    if (!job) return;
    this.running.set(id, job);
    const state = await job.done;
    this.running.delete(id);
    if (state === "ENDED") this.counters.ended++;
    else this.counters.crashed++;
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
    const rows = await this.db.jobInstance.findMany({ where: { id: { in: ids } }, select: { id: true, instruction: true, instructedBy: true } });
    for (const id of ids) {
      const job = this.running.get(id);
      const row = rows.find((r) => r.id === id);
      if (!job) continue;
      if (!row) this.killLocal(job, "the cluster: the run was marked ended while this node was unreachable");
      else if (row.instruction === "KILL") this.killLocal(job, row.instructedBy ?? "an operator");
    }
  }

  private async heartbeat() {
    try {
      await this.db.node.update({ where: { id: this.node.id }, data: { lastSeenAlive: new Date() } });
      this.lastHeartbeatOk = true;
    } catch (err) {
      this.lastHeartbeatOk = false;
      throw err;
    }
    await this.refreshConfiguration();
    await this.writeReport();
    for (const d of await crashRunsOfDeadNodes(this.db, this.node.id)) {
      if (d.crashed) this.log.warn(d, `runs of dead node ${d.node} marked CRASHED`);
      this.counters.crashedByRecovery += d.crashed;
    }
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
      const poller = new Poller({ db: this.db, nodeId: node.id, log: this.log, acceptingWork: () => this.acceptingWork(), runClaimed: (runId, p) => this.runClaimed(runId, p) }, m);
      this.pollers.set(id, poller);
      poller.start();
      this.log.info({ queue: m.queueName, maxThreads: m.maxThreads }, "poller started");
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
