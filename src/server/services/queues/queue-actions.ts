import type { Db, DbOrTx } from "~/server/db";
import { WAITING_STATES } from "~/server/domain/run-states";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { endRuns } from "~/server/services/runs/end-run";
import { setRunPosition, setRunQueue } from "~/server/services/runs/instruct-run";
import { getLiveRun } from "~/server/services/runs/read-model";

/** The console's queue badge still imports the type from here. */

async function getQueue(db: DbOrTx, queueId: number) {
  const queue = await db.queue.findUnique({ where: { id: queueId }, select: { id: true, name: true } });
  if (!queue) throw new AppError("NOT_FOUND", `No queue with id ${queueId}`);
  return queue;
}

async function setQueueMappingsEnabled(db: Db, { actor, queueId }: { actor: Actor; queueId: number }, enabled: boolean) {
  return db.$transaction(async (tx) => {
    const queue = await getQueue(tx, queueId);
    const before = await tx.queueMapping.findMany({ where: { queueId }, select: { id: true, nodeId: true, enabled: true } });
    const { count } = await tx.queueMapping.updateMany({ where: { queueId, enabled: !enabled }, data: { enabled } });
    await createAuditEvent(tx, {
      actor,
      action: enabled ? "queue.resume" : "queue.pause",
      objectType: "queue",
      objectId: queueId,
      before: { name: queue.name, mappings: before },
      after: { enabled, changed: count },
    });
    return { queueId, changed: count };
  });
}

/** Disables every node mapping of the queue: nothing new starts from it (JQM's pauseQueue). */
export function pauseQueue(db: Db, change: { actor: Actor; queueId: number }) {
  return setQueueMappingsEnabled(db, change, false);
}

export function resumeQueue(db: Db, change: { actor: Actor; queueId: number }) {
  return setQueueMappingsEnabled(db, change, true);
}

/** Cancels every waiting run of the queue (they move to History as CANCELLED); returns how many. */
export async function clearQueue(db: Db, { actor, queueId }: { actor: Actor; queueId: number }) {
  const queue = await getQueue(db, queueId);
  const endReason = `queue ${queue.name} cleared by ${actor.login}`;
  let cancelled = 0;
  let lastId = 0;
  for (;;) {
    const batch = await db.jobInstance.findMany({
      where: { queueId, state: { in: WAITING_STATES }, id: { gt: lastId } },
      orderBy: { id: "asc" },
      select: { id: true },
      take: 200,
    });
    if (batch.length === 0) break;
    lastId = batch[batch.length - 1]!.id;
    // A run moved to another queue meanwhile is not this clear's to cancel.
    const still = await db.jobInstance.findMany({ where: { id: { in: batch.map((b) => b.id) }, queueId }, select: { id: true } });
    cancelled += (await endRuns(db, still.map(({ id }) => ({ id, state: "CANCELLED" as const, endReason, fromStates: WAITING_STATES })))).size;
  }
  await createAuditEvent(db, { actor, action: "queue.clear", objectType: "queue", objectId: queueId, after: { name: queue.name, cancelled } });
  return { queueId, cancelled };
}

/** Moves a waiting run to another queue, by queue id (JQM's setJobQueue). */
export async function moveRunToQueue(db: Db, { actor, id, queueId }: { actor: Actor; id: number; queueId: number }) {
  const queue = await getQueue(db, queueId);
  return setRunQueue(db, { actor, id, queueName: queue.name });
}

/**
 * Puts a waiting run at 1-based `position` among the SUBMITTED runs of its queue and priority
 * (JQM's setJobQueuePosition): 1 = next to start; beyond the end = last.
 */
export async function moveRunToPosition(db: Db, { actor, id, position }: { actor: Actor; id: number; position: number }) {
  const ji = await getLiveRun(db, id, { queueId: true, priority: true, position: true });
  const where = { queueId: ji.queueId, priority: ji.priority, state: "SUBMITTED" as const, id: { not: id } };
  const orderBy = [{ position: "asc" as const }, { id: "asc" as const }];
  let target = ji.position;
  if (position <= 1) {
    const first = await db.jobInstance.findFirst({ where, orderBy, select: { position: true } });
    if (first) target = first.position - 1;
  } else {
    const pair = await db.jobInstance.findMany({ where, orderBy, skip: position - 2, take: 2, select: { position: true } });
    if (pair.length === 2) target = (pair[0]!.position + pair[1]!.position) / 2;
    else if (pair.length === 1) target = pair[0]!.position + 1;
    else {
      const last = await db.jobInstance.findFirst({ where, orderBy: [{ position: "desc" }, { id: "desc" }], select: { position: true } });
      if (last) target = last.position + 1;
    }
  }
  return setRunPosition(db, { actor, id, position: target });
}
