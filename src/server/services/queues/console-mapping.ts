import type { DbOrTx } from "~/server/db";
import { ACTIVE_STATES, type RunState, WAITING_STATES } from "~/server/domain/run-states";
import { AppError } from "~/server/services/errors";
import { findQueueRecords } from "./read-model";

/**
 * Every queue for the console: status, waiting and running counts, capacity (threads of the enabled
 * mappings) and its mappings with the runs running now on each node.
 */
export async function findQueueSummaries(db: DbOrTx, where: { id?: number } = {}) {
  const [queues, counts] = await Promise.all([
    findQueueRecords(db, where),
    db.jobInstance.groupBy({
      by: ["queueId", "nodeId", "state"],
      where: { ...(where.id ? { queueId: where.id } : {}), state: { in: [...WAITING_STATES, ...ACTIVE_STATES] } },
      _count: { _all: true },
    }),
  ]);
  return queues.map((q) => {
    const mine = counts.filter((c) => c.queueId === q.id);
    const sum = (states: RunState[], nodeId?: number) =>
      mine.filter((c) => states.includes(c.state) && (nodeId === undefined || c.nodeId === nodeId)).reduce((n, c) => n + c._count._all, 0);
    return {
      ...q,
      waiting: sum(WAITING_STATES),
      running: sum(ACTIVE_STATES),
      mappings: q.mappings.map((m) => ({ ...m, running: sum(ACTIVE_STATES, m.nodeId) })),
    };
  });
}

export async function getQueueSummary(db: DbOrTx, id: number) {
  const [queue] = await findQueueSummaries(db, { id });
  if (!queue) throw new AppError("NOT_FOUND", `No queue with id ${id}`);
  return queue;
}
