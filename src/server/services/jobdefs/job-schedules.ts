import type { Db, Tx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { type JobScheduleData, type TJobSchedule, type TUpdateJobSchedule, ZJobScheduleSchema, ZUpdateJobScheduleSchema } from "./jobdef-schema";
import { auditScheduleView, jobDefDetailSelect, queueIdByName, toJobScheduleDetail } from "./read-model";
import { same } from "./update-jobdef";

export { ZJobScheduleSchema, ZUpdateJobScheduleSchema, type TJobSchedule, type TUpdateJobSchedule } from "./jobdef-schema";

const scheduleSelect = jobDefDetailSelect.schedules.select;

async function loadSchedule(tx: Tx, id: number) {
  const s = await tx.jobSchedule.findUnique({
    where: { id },
    select: { ...scheduleSelect, jobDef: { select: { id: true, applicationName: true } } },
  });
  if (!s) throw new AppError("NOT_FOUND", `No schedule with id ${id}`);
  return { jobDef: s.jobDef, schedule: toJobScheduleDetail(s) };
}

/** Inside a transaction, with `data` validated; audited on the definition (objectType "jd"). */
export async function createJobScheduleInTx(tx: Tx, actor: Actor, jobDefId: number, data: JobScheduleData) {
  const jd = await tx.jobDef.findUnique({ where: { id: jobDefId }, select: { id: true, applicationName: true } });
  if (!jd) throw new AppError("NOT_FOUND", `No job definition with id ${jobDefId}`);
  const { queueName, ...fields } = data;
  const queueId = queueName === null ? null : await queueIdByName(tx, queueName);
  const { id } = await tx.jobSchedule.create({ data: { ...fields, jobDefId, queueId }, select: { id: true } });
  const { schedule } = await loadSchedule(tx, id);
  await createAuditEvent(tx, {
    actor,
    action: "jd.schedule.create",
    objectType: "jd",
    objectId: jobDefId,
    after: { applicationName: jd.applicationName, schedule: auditScheduleView(schedule) },
  });
  return schedule;
}

export async function updateJobScheduleInTx(tx: Tx, actor: Actor, id: number, changes: ReturnType<typeof ZUpdateJobScheduleSchema.parse>) {
  const { jobDef, schedule: before } = await loadSchedule(tx, id);
  const keys = (Object.keys(changes) as (keyof typeof changes)[]).filter((k) => changes[k] !== undefined && !same(changes[k], before[k]));
  if (keys.length === 0) return before;
  const { queueName, ...fields } = Object.fromEntries(keys.map((k) => [k, changes[k]])) as typeof changes;
  const queueId = queueName === undefined ? undefined : queueName === null ? null : await queueIdByName(tx, queueName);
  // A new expression starts counting from now, not from the last occurrence of the old one.
  const restart = fields.cronExpression !== undefined ? { lastFiredAt: new Date() } : {};
  await tx.jobSchedule.update({ where: { id }, data: { ...fields, queueId, ...restart } });
  const { schedule: after } = await loadSchedule(tx, id);
  const b = auditScheduleView(before);
  const a = auditScheduleView(after);
  await createAuditEvent(tx, {
    actor,
    action: "jd.schedule.update",
    objectType: "jd",
    objectId: jobDef.id,
    before: { applicationName: jobDef.applicationName, scheduleId: id, ...Object.fromEntries(keys.map((k) => [k, b[k]])) },
    after: { applicationName: jobDef.applicationName, scheduleId: id, ...Object.fromEntries(keys.map((k) => [k, a[k]])) },
  });
  return after;
}

export async function deleteJobScheduleInTx(tx: Tx, actor: Actor, id: number) {
  const { jobDef, schedule } = await loadSchedule(tx, id);
  await tx.jobSchedule.delete({ where: { id } });
  await createAuditEvent(tx, {
    actor,
    action: "jd.schedule.delete",
    objectType: "jd",
    objectId: jobDef.id,
    before: { applicationName: jobDef.applicationName, schedule: auditScheduleView(schedule) },
  });
  return { id, jobDefId: jobDef.id };
}

/** Adds a cron schedule (JQM JOB_SCHEDULE) to a job definition; the expression is checked as the scheduler reads it. */
export async function createJobSchedule(db: Db, { actor, jobDefId, schedule }: { actor: Actor; jobDefId: number; schedule: TJobSchedule }) {
  const data = parseInput(ZJobScheduleSchema, schedule);
  return db.$transaction((tx) => createJobScheduleInTx(tx, actor, jobDefId, data));
}

export async function updateJobSchedule(db: Db, { actor, id, changes }: { actor: Actor; id: number; changes: TUpdateJobSchedule }) {
  const data = parseInput(ZUpdateJobScheduleSchema, changes);
  return db.$transaction((tx) => updateJobScheduleInTx(tx, actor, id, data));
}

export async function deleteJobSchedule(db: Db, { actor, id }: { actor: Actor; id: number }) {
  return db.$transaction((tx) => deleteJobScheduleInTx(tx, actor, id));
}
