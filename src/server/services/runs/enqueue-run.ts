import { z } from "zod";
import { type Db, isPostgres } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { PG_ENQUEUE_CHANNEL, runEvents } from "./run-events";

const tag = z.string().max(200).nullish();

export const ZEnqueueRunSchema = z.object({
  applicationName: z.string().trim().min(1, "applicationname is required").max(200),
  parameters: z.record(z.string().max(200), z.string().max(10_000)).default({}),
  user: tag,
  sessionId: tag,
  email: tag,
  module: tag,
  keyword1: tag,
  keyword2: tag,
  keyword3: tag,
  parentId: z.number().int().positive().nullish(),
  queueName: z.string().max(200).nullish(),
  priority: z.number().int().min(-1000).max(1000).nullish(),
  runAfter: z.date().nullish(),
  scheduleId: z.number().int().positive().nullish(),
  /** Create the run paused (HOLDED), as JQM's startState. */
  held: z.boolean().optional(),
});
export type TEnqueueRun = z.input<typeof ZEnqueueRunSchema>;

/**
 * Creates a run (JobInstance). Request parameters override the job definition's defaults; a
 * highlander definition with a run already waiting returns that run's id instead (as JQM does).
 * Audited when a person or an API caller asked for it (`actor`); engine-made runs (cron, children) are not.
 */
export async function enqueueRun(db: Db, request: TEnqueueRun, actor?: Actor): Promise<{ id: number; existing: boolean }> {
  const r = ZEnqueueRunSchema.parse(request);
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
    if (r.parentId != null) {
      const parentExists =
        (await tx.jobInstance.count({ where: { id: r.parentId } })) + (await tx.history.count({ where: { id: r.parentId } }));
      if (!parentExists) throw new AppError("NOT_FOUND", `No run with id ${r.parentId} (parentid)`);
    }
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
        after: { applicationName: r.applicationName, parameters: r.parameters, queueId },
      });
    }
    return { id: ji.id, existing: false, queueId };
  });
  if (!result.existing && !r.held) await notifyEnqueued(db, result.queueId);
  return { id: result.id, existing: result.existing };
}

/**
 * Wakes the pollers of `queueId`: this process's at once, other processes' through PostgreSQL NOTIFY.
 * A wake-up that cannot be sent is no error (the run is written; pollers find it at their next poll).
 */
export async function notifyEnqueued(db: Db, queueId: number) {
  runEvents.emit("enqueued", queueId);
  if (isPostgres(db)) await db.$executeRawUnsafe(`SELECT pg_notify('${PG_ENQUEUE_CHANNEL}', $1)`, String(queueId)).catch(() => undefined);
}
