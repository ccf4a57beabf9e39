import { z } from "zod";
import { type Db, isPostgres } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { PG_ENQUEUE_CHANNEL, runEvents } from "./run-events";

const tag = z.string().max(200).nullish();

export const PARAMETER_NAME_MAX = 200;
export const PARAMETER_VALUE_MAX = 10_000;
/** Names a plain object cannot hold safely (zod and JSON parsers drop or refuse them). */
const RESERVED_PARAMETER_NAMES = new Set(["__proto__", "constructor", "prototype"]);
const CONTROL_IN_NAME = /[\x00-\x1f\x7f]/;
/** Tab and line breaks are text; NUL cannot be a process argument and escapes rewrite terminals. */
const CONTROL_IN_VALUE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * A run's parameters: names and values as strings. Checked on the object's own keys, before any
 * parser could drop one: reserved names, control characters and over-long names/values are refused.
 */
export const ZRunParametersSchema = z.custom<Record<string, string>>().superRefine((p, ctx) => {
  const problem = (message: string) => ctx.addIssue({ code: "custom", message });
  if (typeof p !== "object" || p === null || Array.isArray(p)) return problem("parameters must be an object of names and values");
  for (const [name, value] of Object.entries(p as Record<string, unknown>)) {
    const shown = JSON.stringify(name.slice(0, 60));
    if (RESERVED_PARAMETER_NAMES.has(name)) problem(`Parameter name ${name} is reserved`);
    else if (CONTROL_IN_NAME.test(name)) problem(`Parameter name ${shown} contains a control character`);
    else if (name.length > PARAMETER_NAME_MAX) problem(`Parameter name ${shown}…: at most ${PARAMETER_NAME_MAX} characters`);
    else if (typeof value !== "string") problem(`Parameter ${name}: the value must be a string`);
    else if (value.length > PARAMETER_VALUE_MAX) problem(`Parameter ${name}: at most ${PARAMETER_VALUE_MAX} characters`);
    else if (CONTROL_IN_VALUE.test(value)) problem(`Parameter ${name}: control characters are not allowed in a value (tabs and line breaks are)`);
  }
});

export const ZEnqueueRunSchema = z.object({
  applicationName: z.string().trim().min(1, "applicationname is required").max(200),
  parameters: ZRunParametersSchema.default({}),
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
        after: { applicationName: r.applicationName, parameters: r.parameters, queueId, ...(r.scheduleId != null ? { scheduleId: r.scheduleId } : {}) },
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
