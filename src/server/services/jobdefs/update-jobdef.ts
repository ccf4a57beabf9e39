import type { Db, Tx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { type TUpdateJobDef, ZUpdateJobDefSchema } from "./jobdef-schema";
import { auditView, getJobDef, queueIdByName } from "./read-model";

export { ZUpdateJobDefSchema, type TUpdateJobDef } from "./jobdef-schema";

export type UpdateJobDefOptions = { actor: Actor; id: number; changes: TUpdateJobDef };

type Changes = ReturnType<typeof ZUpdateJobDefSchema.parse>;

/** Equal values; key order of objects (parameters) does not matter. */
export function same(a: unknown, b: unknown): boolean {
  const stable = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, w]) => [k, stable(w)]))
      : Array.isArray(v)
        ? v.map(stable)
        : v;
  return JSON.stringify(stable(a)) === JSON.stringify(stable(b));
}

/**
 * Inside a transaction, with `changes` already validated. Audits the fields that changed (before
 * and after); a change that changes nothing writes nothing. Returns the definition and whether it changed.
 */
export async function updateJobDefInTx(tx: Tx, actor: Actor, id: number, changes: Changes) {
  const before = await getJobDef(tx, id);
  const keys = (Object.keys(changes) as (keyof Changes)[]).filter((k) => changes[k] !== undefined && !same(changes[k], before[k]));
  if (keys.length === 0) return { jobDef: before, changed: false };
  const { queueName, ...fields } = Object.fromEntries(keys.map((k) => [k, changes[k]])) as Changes;
  if (fields.applicationName !== undefined && (await tx.jobDef.findUnique({ where: { applicationName: fields.applicationName }, select: { id: true } }))) {
    throw new AppError("CONFLICT", `A job definition named ${fields.applicationName} already exists`);
  }
  const queueId = queueName === undefined ? undefined : await queueIdByName(tx, queueName);
  await tx.jobDef.update({ where: { id }, data: { ...fields, queueId } });
  const after = await getJobDef(tx, id);
  const b = auditView(before);
  const a = auditView(after);
  await createAuditEvent(tx, {
    actor,
    action: "jd.update",
    objectType: "jd",
    objectId: id,
    before: { applicationName: before.applicationName, ...Object.fromEntries(keys.map((k) => [k, b[k]])) },
    after: { applicationName: after.applicationName, ...Object.fromEntries(keys.map((k) => [k, a[k]])) },
  });
  return { jobDef: after, changed: true };
}

/** Changes the given fields of a job definition; runs already queued keep what they were created with. */
export async function updateJobDef(db: Db, { actor, id, changes }: UpdateJobDefOptions) {
  const data = parseInput(ZUpdateJobDefSchema, changes);
  const { jobDef } = await db.$transaction((tx) => updateJobDefInTx(tx, actor, id, data));
  return jobDef;
}
