import type { Db } from "~/server/db";
import { ACTIVE_STATES, PAUSABLE_STATES, type RunState, WAITING_STATES } from "~/server/domain/run-states";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { LIVENESS_SELECT, livenessClock, nodeHealth } from "~/server/services/nodes/node-health";
import { endRun, endRunInTx } from "./end-run";
import { enqueueRun, notifyEnqueued } from "./enqueue-run";
import { getLiveRun } from "./read-model";

type RunChange = { actor: Actor; id: number };

/** Applies `data` to a live run if it is in one of `from`; audits; throws a clear error otherwise. */
async function changeLiveRun(
  db: Db,
  { actor, id }: RunChange,
  action: string,
  from: RunState[],
  data: Parameters<Db["jobInstance"]["updateMany"]>[0]["data"],
) {
  return db.$transaction(async (tx) => {
    const before = await getLiveRun(tx, id, { state: true, priority: true, position: true, queueId: true, runAfter: true, instruction: true });
    if (!from.includes(before.state)) {
      throw new AppError("CONFLICT", `Run ${id} is ${before.state}; this action needs ${from.join(" or ")}`);
    }
    const { count } = await tx.jobInstance.updateMany({ where: { id, state: before.state }, data });
    if (count !== 1) throw new AppError("CONFLICT", `Run ${id} changed state meanwhile; try again`);
    await createAuditEvent(tx, { actor, action, objectType: "job_instance", objectId: id, before, after: data });
    return { id };
  });
}

/**
 * Asks the node running it to kill the run; it ends CRASHED with a message naming who killed it.
 * When that node is dead (past its dead threshold) nobody would read the instruction: the operator
 * takes the run over at once, fenced by the node's claim (should the node come back, it can no
 * longer write about the run and kills its payload).
 */
export async function killRun(db: Db, change: RunChange) {
  const ji = await db.jobInstance.findUnique({
    where: { id: change.id },
    select: { state: true, nodeId: true, fencingToken: true, node: { select: { name: true, ...LIVENESS_SELECT } } },
  });
  if (ji?.node && ji.nodeId !== null && ji.fencingToken !== null && ACTIVE_STATES.includes(ji.state) && nodeHealth(ji.node, await livenessClock(db)) === "dead") {
    const endReason = `killed by ${change.actor.login}; node ${ji.node.name} was not running (no heartbeat since ${ji.node.lastSeenAlive?.toISOString()})`;
    const claim = { nodeId: ji.nodeId, token: ji.fencingToken };
    const ended = await endRun(db, { id: change.id, state: "CRASHED", endReason, fromStates: [ji.state], claim });
    if (ended) {
      await createAuditEvent(db, { actor: change.actor, action: "job_instance.kill", objectType: "job_instance", objectId: change.id, before: ji, after: { state: "CRASHED", endReason } });
      return { id: change.id };
    }
  }
  return changeLiveRun(db, change, "job_instance.kill", ACTIVE_STATES, { instruction: "KILL", instructedBy: change.actor.login });
}

export function pauseRun(db: Db, change: RunChange) {
  return changeLiveRun(db, change, "job_instance.pause", PAUSABLE_STATES, { state: "HOLDED" });
}

export async function resumeRun(db: Db, change: RunChange) {
  const ji = await db.jobInstance.findUnique({ where: { id: change.id }, select: { runAfter: true, queueId: true } });
  const scheduled = ji?.runAfter != null && ji.runAfter.getTime() > Date.now();
  const result = await changeLiveRun(db, change, "job_instance.resume", ["HOLDED"], { state: scheduled ? "SCHEDULED" : "SUBMITTED" });
  if (ji && !scheduled) await notifyEnqueued(db, ji.queueId);
  return result;
}

export function setRunPriority(db: Db, change: RunChange & { priority: number }) {
  return changeLiveRun(db, change, "job_instance.priority", WAITING_STATES, { priority: change.priority });
}

export function setRunPosition(db: Db, change: RunChange & { position: number }) {
  return changeLiveRun(db, change, "queue_position.create", WAITING_STATES, { position: change.position });
}

export async function setRunQueue(db: Db, change: RunChange & { queueName: string }) {
  const queue = await db.queue.findUnique({ where: { name: change.queueName }, select: { id: true } });
  if (!queue) throw new AppError("NOT_FOUND", `No queue named ${change.queueName}`);
  const result = await changeLiveRun(db, change, "job_instance.queue", WAITING_STATES, { queueId: queue.id });
  await notifyEnqueued(db, queue.id);
  return result;
}

export function setRunAfter(db: Db, change: RunChange & { runAfter: Date | null }) {
  const due = change.runAfter == null || change.runAfter.getTime() <= Date.now();
  return changeLiveRun(db, change, "job_instance.run_after", PAUSABLE_STATES, {
    runAfter: change.runAfter,
    state: due ? "SUBMITTED" : "SCHEDULED",
  });
}

/** Cancels a waiting run: it moves to History as CANCELLED. */
export async function cancelRun(db: Db, { actor, id }: RunChange) {
  return db.$transaction(async (tx) => {
    const ji = await tx.jobInstance.findUnique({ where: { id }, select: { state: true } });
    if (!ji) throw new AppError("NOT_FOUND", `No waiting run with id ${id}`);
    if (!WAITING_STATES.includes(ji.state)) throw new AppError("CONFLICT", `Run ${id} is ${ji.state}: only waiting runs can be cancelled (kill it instead)`);
    const moved = await endRunInTx(tx, { id, state: "CANCELLED", endReason: `cancelled by ${actor.login}`, fromStates: WAITING_STATES });
    if (!moved) throw new AppError("CONFLICT", `Run ${id} changed state meanwhile; try again`);
    await createAuditEvent(tx, { actor, action: "job_instance.cancel", objectType: "job_instance", objectId: id, before: ji });
    return { id };
  });
}

/** Enqueues a new run with the parameters and tags of a crashed one (JQM's restartCrashedJob). */
export async function restartRun(db: Db, { actor, id }: RunChange) {
  const h = await db.history.findUnique({ where: { id } });
  if (!h) throw new AppError("NOT_FOUND", `No ended run with id ${id}`);
  if (h.state !== "CRASHED") throw new AppError("CONFLICT", `Run ${id} is ${h.state}: only crashed runs can be restarted`);
  const jd = await db.jobDef.findUnique({ where: { applicationName: h.applicationName }, select: { canBeRestarted: true } });
  if (!jd?.canBeRestarted) throw new AppError("CONFLICT", `${h.applicationName} cannot be restarted`);
  return relaunch(db, actor, h, "job_instance.restart");
}

/** Enqueues a new run with the parameters and tags of any ended run. */
export async function relaunchRun(db: Db, { actor, id }: RunChange) {
  const h = await db.history.findUnique({ where: { id } });
  if (!h) throw new AppError("NOT_FOUND", `No ended run with id ${id}`);
  return relaunch(db, actor, h, "job_instance.relaunch");
}

async function relaunch(db: Db, actor: Actor, h: NonNullable<Awaited<ReturnType<Db["history"]["findUnique"]>>>, action: string) {
  const { id } = await enqueueRun(
    db,
    {
      applicationName: h.applicationName,
      parameters: h.parameters as Record<string, string>,
      user: h.userName,
      sessionId: h.sessionId,
      email: h.email,
      module: h.module,
      keyword1: h.keyword1,
      keyword2: h.keyword2,
      keyword3: h.keyword3,
      parentId: h.parentId,
      queueName: h.queueName,
      priority: h.priority,
    },
    actor,
  );
  await createAuditEvent(db, { actor, action, objectType: "job_instance", objectId: h.id, after: { newId: id } });
  return { id };
}
