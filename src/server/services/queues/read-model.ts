import type { Prisma } from "~/generated/sqlite/client";
import type { DbOrTx } from "~/server/db";
import { AppError } from "~/server/services/errors";

/**
 * The queues read model: one query and one shape (QueueRecord) with the status and capacity
 * computed once. The console (console-mapping.ts) adds its run counts; the JQM client API
 * (jqm-mapping.ts) maps to JQM's JSON.
 */

export const QUEUE_STATUSES = ["RUNNING", "PARTIALLY_RUNNING", "PAUSED"] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** RUNNING when every mapping is enabled, PAUSED when none is (or the queue has no mapping), else PARTIALLY_RUNNING. */
function queueStatus(mappings: { enabled: boolean }[]): QueueStatus {
  const enabled = mappings.filter((m) => m.enabled).length;
  if (enabled === 0) return "PAUSED";
  return enabled === mappings.length ? "RUNNING" : "PARTIALLY_RUNNING";
}

/** Sum of the threads of the enabled mappings. */
function enabledCapacity(mappings: { enabled: boolean; maxThreads: number }[]): number {
  return mappings.filter((m) => m.enabled).reduce((n, m) => n + m.maxThreads, 0);
}

const QUEUE_SELECT = {
  id: true,
  name: true,
  description: true,
  isDefault: true,
  createdAt: true,
  updatedAt: true,
  mappings: {
    orderBy: { node: { name: "asc" } },
    select: {
      id: true,
      nodeId: true,
      node: { select: { name: true } },
      maxThreads: true,
      pollingIntervalMs: true,
      enabled: true,
      updatedAt: true,
    },
  },
  _count: { select: { jobDefs: true, schedules: true } },
} as const satisfies Prisma.QueueSelect;

/** Queues by name with their mappings (which nodes poll them), status and capacity. */
export async function findQueueRecords(db: DbOrTx, where: { id?: number } = {}) {
  const queues = await db.queue.findMany({ where, orderBy: { name: "asc" }, select: QUEUE_SELECT });
  return queues.map((q) => ({
    id: q.id,
    name: q.name,
    description: q.description,
    isDefault: q.isDefault,
    createdAt: q.createdAt,
    updatedAt: q.updatedAt,
    status: queueStatus(q.mappings),
    capacity: enabledCapacity(q.mappings),
    jobDefs: q._count.jobDefs,
    schedules: q._count.schedules,
    mappings: q.mappings.map(({ node, ...m }) => ({ ...m, nodeName: node.name })),
  }));
}

export type QueueRecord = Awaited<ReturnType<typeof findQueueRecords>>[number];

export async function getQueueRecord(db: DbOrTx, id: number): Promise<QueueRecord> {
  const [queue] = await findQueueRecords(db, { id });
  if (!queue) throw new AppError("NOT_FOUND", `No queue with id ${id}`);
  return queue;
}
