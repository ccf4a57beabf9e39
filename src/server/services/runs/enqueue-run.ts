import { type Db, dialectOf } from "~/server/db";
import { type TEnqueueRun, ZEnqueueRunSchema } from "~/server/domain/run-schemas";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { runExists } from "./read-model";
import { ENQUEUE_CHANNEL, runEvents } from "./run-events";

export { PARAMETER_NAME_MAX, PARAMETER_VALUE_MAX, type TEnqueueRun, ZEnqueueRunSchema, ZRunParametersSchema } from "~/server/domain/run-schemas";

/**
 * Creates a run (JobInstance). Request parameters override the job definition's defaults; a
 * highlander definition with a run already waiting returns that run's id instead (as JQM does).
 * Audited when a person, an API caller or the scheduler asked for it (`actor`); children a payload
 * enqueues are not (their parent run is).
 */
export async function enqueueRun(db: Db, request: TEnqueueRun, actor?: Actor): Promise<{ id: number; existing: boolean }> {
  const r = parseInput(ZEnqueueRunSchema, request);
  const result = await db.$transaction(async (tx) => {
    const jd = await tx.jobDef.findUnique({ where: { applicationName: r.applicationName } });
    if (!jd) throw new AppError("NOT_FOUND", `No job definition named ${r.applicationName}`);
    if (!jd.enabled) throw new AppError("BAD_REQUEST", `Job definition ${r.applicationName} is disabled`);
    let queueId = jd.queueId;
    if (r.queueName) {
      const q = await tx.queue.findUnique({ where: { name: r.queueName }, select: { id: true } });
      if (!q) throw new AppError("NOT_FOUND", `No queue named ${r.queueName}`);
      queueId = q.id;
    }
    if (r.parentId != null && !(await runExists(tx, r.parentId))) throw new AppError("NOT_FOUND", `No run with id ${r.parentId} (parentid)`);
    if (jd.highlander) {
      const waiting = await tx.jobInstance.findFirst({ where: { jobDefId: jd.id, state: "SUBMITTED" }, select: { id: true } });
      if (waiting) return { id: waiting.id, existing: true, queueId };
    }
    const scheduled = r.runAfter != null && r.runAfter.getTime() > Date.now();
    const ji = await tx.jobInstance.create({
      data: {
        jobDefId: jd.id,
        queueId,
        state: r.held ? "HOLDED" : scheduled ? "SCHEDULED" : "SUBMITTED",
        position: Date.now(),
        priority: r.priority ?? jd.priority,
        parentId: r.parentId ?? null,
        parameters: { ...(jd.parameters as Record<string, string>), ...r.parameters },
        application: jd.application,
        module: r.module ?? jd.module,
        keyword1: r.keyword1 ?? null,
        keyword2: r.keyword2 ?? null,
        keyword3: r.keyword3 ?? null,
        userName: r.user ?? actor?.login ?? null,
        sessionId: r.sessionId ?? null,
        email: r.email ?? null,
        runAfter: r.runAfter ?? null,
        scheduleId: r.scheduleId ?? null,
      },
      select: { id: true },
    });
    if (actor) {
      await createAuditEvent(tx, {
        actor,
        action: "job_instance.create",
        objectType: "job_instance",
        objectId: ji.id,
        after: { applicationName: r.applicationName, parameters: r.parameters, queueId, ...(r.scheduleId != null ? { scheduleId: r.scheduleId } : {}) },
      });
    }
    return { id: ji.id, existing: false, queueId };
  });
  if (!result.existing && !r.held) await notifyEnqueued(db, result.queueId);
  return { id: result.id, existing: result.existing };
}

/**
 * Wakes the pollers of `queueId`: this process's at once, other processes' through the database's
 * wake-up (NOTIFY on PostgreSQL, a watched directory beside a SQLite file).
 * A wake-up that cannot be sent is no error (the run is written; pollers find it at their next poll).
 */
export async function notifyEnqueued(db: Db, queueId: number) {
  runEvents.emit("enqueued", queueId);
  await dialectOf(db).notify(db, ENQUEUE_CHANNEL, String(queueId)).catch(() => undefined);
}
