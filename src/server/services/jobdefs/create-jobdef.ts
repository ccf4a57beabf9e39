import type { Db, Tx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { type JobDefData, type TJobDef, ZJobDefSchema } from "./jobdef-schema";
import { auditView, getJobDef, queueIdByName } from "./read-model";

export { ZJobDefSchema, type TJobDef } from "./jobdef-schema";

export type CreateJobDefOptions = { actor: Actor; jobDef: TJobDef };

/** Inside a transaction, with `data` already validated; audited. */
export async function createJobDefInTx(tx: Tx, actor: Actor, data: JobDefData) {
  const { queueName, ...fields } = data;
  if (await tx.jobDef.findUnique({ where: { applicationName: fields.applicationName }, select: { id: true } })) {
    throw new AppError("CONFLICT", `A job definition named ${fields.applicationName} already exists`);
  }
  const queueId = await queueIdByName(tx, queueName);
  const { id } = await tx.jobDef.create({ data: { ...fields, queueId }, select: { id: true } });
  const created = await getJobDef(tx, id);
  await createAuditEvent(tx, { actor, action: "jd.create", objectType: "jd", objectId: id, after: auditView(created) });
  return created;
}

/** Creates a job definition (JQM JOB_DEFINITION) on an existing queue; names are unique. */
export async function createJobDef(db: Db, { actor, jobDef }: CreateJobDefOptions) {
  const data = parseInput(ZJobDefSchema, jobDef);
  return db.$transaction((tx) => createJobDefInTx(tx, actor, data));
}
