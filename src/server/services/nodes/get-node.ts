import type { Db, DbOrTx } from "~/server/db";
import { AppError } from "~/server/services/errors";
import { bindChoices, toNodeConfig } from "~/server/services/security/get-security-report";
import { previewExposure } from "~/security/evaluate";
import type { ApiKind } from "~/security/types";
import { deadAfterMs, livenessClock, nodeHealth } from "./node-health";
import type { TUpdateNode } from "~/server/domain/node-parameters";
import type { ListenerReport } from "~/server/domain/node-config";
import { ACTIVE_STATES } from "~/server/domain/run-states";

type ReportedPoller = { queue: string; maxThreads: number; running: number; polling: boolean; finishedPerSecond: number };
type ReportedCounters = {
  state?: string;
  running?: number;
  ended?: number;
  crashed?: number;
  crashedByRecovery?: number;
  takenOver?: number;
  schedulerLeader?: boolean;
  heartbeat?: { intervalMs: number; maxGapMs: number };
  lastRejoinAt?: string | null;
  pollers?: ReportedPoller[];
};

async function loadNode(db: DbOrTx, id: number) {
  const node = await db.node.findUnique({
    where: { id },
    include: { report: true, mappings: { orderBy: { queue: { name: "asc" } }, include: { queue: { select: { id: true, name: true } } } } },
  });
  if (!node) throw new AppError("NOT_FOUND", `No node with id ${id}`);
  return node;
}

/**
 * One node: its parameters, health, what it reported at its last heartbeat (listeners, interfaces,
 * counters) and its pollers, i.e. its queue mappings with what each is doing now.
 */
export async function getNode(db: Db, id: number) {
  const [{ report, mappings, ...node }, clock] = await Promise.all([loadNode(db, id), livenessClock(db)]);
  const runningPerQueue = await db.jobInstance.groupBy({ by: ["queueId"], where: { nodeId: id, state: { in: ACTIVE_STATES } }, _count: true });
  const counters = (report?.counters ?? {}) as ReportedCounters;
  const reportedPollers = report && counters.state !== "stopped" ? (counters.pollers ?? []) : [];
  return {
    ...node,
    health: nodeHealth(node, clock),
    deadAfterMs: deadAfterMs(node, clock.deadAfterSeconds),
    bindChoices: bindChoices({ ...node, report }),
    report: report && {
      reportedAt: report.reportedAt,
      pid: report.pid,
      version: report.version,
      startedAt: report.startedAt,
      state: counters.state ?? "running",
      schedulerLeader: counters.schedulerLeader ?? false,
      ended: counters.ended ?? 0,
      crashed: counters.crashed ?? 0,
      takenOver: counters.takenOver ?? 0,
      heartbeat: counters.heartbeat ?? null,
      lastRejoinAt: counters.lastRejoinAt ? new Date(counters.lastRejoinAt) : null,
      listeners: (report.listeners ?? []) as ListenerReport[],
    },
    pollers: mappings.map((m) => {
      const live = reportedPollers.find((p) => p.queue === m.queue.name);
      return {
        mappingId: m.id,
        queueId: m.queue.id,
        queueName: m.queue.name,
        maxThreads: m.maxThreads,
        pollingIntervalMs: m.pollingIntervalMs,
        enabled: m.enabled,
        running: runningPerQueue.find((r) => r.queueId === m.queue.id)?._count ?? 0,
        polling: live ? live.polling : null,
        finishedPerSecond: live?.finishedPerSecond ?? null,
      };
    }),
  };
}

const PREVIEW_APIS: ApiKind[] = ["simple", "client", "mgmt-remote"];

/** The exposure each node API would have after `changes`, stated before they are made. */
export async function previewNodeChange(db: DbOrTx, id: number, changes: TUpdateNode) {
  const node = await loadNode(db, id);
  const config = { ...toNodeConfig(node), ...changes };
  return PREVIEW_APIS.map((api) => ({ api, ...previewExposure(config, api) }));
}
