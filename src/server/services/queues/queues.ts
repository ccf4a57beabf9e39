import { type Db, type DbOrTx, type Tx, dialectOf } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";

import { type TCreateQueue, type TUpdateQueue, ZCreateQueueSchema, ZUpdateQueueSchema } from "~/server/domain/queue-schemas";

export { ZCreateQueueSchema, ZQueueDescriptionSchema, ZQueueNameSchema, ZUpdateQueueSchema, type TCreateQueue, type TUpdateQueue } from "~/server/domain/queue-schemas";


const auditFields = { id: true, name: true, description: true, isDefault: true } as const;

/** Serialises changes of the default queue across concurrent transactions (PostgreSQL; SQLite has one writer). */
async function lockDefaultQueue(db: Db, tx: Tx) {
  await dialectOf(db).lock(tx, "jobwarden.queue.default");
}

/** Makes `id` the only default queue; returns the queue that lost the flag, if any. */
async function makeDefault(tx: Tx, id: number) {
  const previous = await tx.queue.findMany({ where: { isDefault: true, id: { not: id } }, select: auditFields });
  if (previous.length) await tx.queue.updateMany({ where: { id: { in: previous.map((p) => p.id) } }, data: { isDefault: false } });
  return previous;
}

async function assertOneDefault(tx: Tx) {
  const defaults = await tx.queue.count({ where: { isDefault: true } });
  if (defaults !== 1) throw new AppError("CONFLICT", "Another change of the default queue happened at the same time; try again");
}

async function assertNameFree(tx: Tx, name: string, id?: number) {
  const other = await tx.queue.findUnique({ where: { name }, select: { id: true } });
  if (other && other.id !== id) throw new AppError("CONFLICT", `A queue named ${name} already exists`);
}

/** JQM's POST /q. A new default queue takes the flag from the current one in the same transaction. */
export async function createQueue(db: Db, { actor, ...input }: { actor: Actor } & TCreateQueue) {
  const data = parseInput(ZCreateQueueSchema, input);
  return db.$transaction(async (tx) => {
    await lockDefaultQueue(db, tx);
    await assertNameFree(tx, data.name);
    const hasDefault = (await tx.queue.count({ where: { isDefault: true } })) > 0;
    const queue = await tx.queue.create({ data: { ...data, isDefault: data.isDefault || !hasDefault }, select: auditFields });
    const undefaulted = queue.isDefault ? await makeDefault(tx, queue.id) : [];
    await assertOneDefault(tx);
    await createAuditEvent(tx, {
      actor,
      action: "queue.create",
      objectType: "queue",
      objectId: queue.id,
      after: { ...queue, ...(undefaulted.length ? { defaultTakenFrom: undefaulted.map((q) => q.name) } : {}) },
    });
    return queue;
  });
}

/**
 * JQM's PUT /q/{id}: renames, describes, or makes the queue the default one (the previous default
 * loses the flag in the same transaction). The default queue cannot be un-defaulted directly:
 * another queue must be made the default instead.
 */
export async function updateQueue(db: Db, { actor, id, ...input }: { actor: Actor; id: number } & TUpdateQueue) {
  const changes = parseInput(ZUpdateQueueSchema, input);
  return db.$transaction(async (tx) => {
    await lockDefaultQueue(db, tx);
    const before = await tx.queue.findUnique({ where: { id }, select: auditFields });
    if (!before) throw new AppError("NOT_FOUND", `No queue with id ${id}`);
    if (changes.isDefault === false && before.isDefault) {
      throw new AppError("BAD_REQUEST", `${before.name} is the default queue: make another queue the default instead`);
    }
    if (changes.name !== undefined) await assertNameFree(tx, changes.name, id);
    const after = await tx.queue.update({ where: { id }, data: changes, select: auditFields });
    const undefaulted = changes.isDefault && !before.isDefault ? await makeDefault(tx, id) : [];
    await assertOneDefault(tx);
    const changed = (Object.keys(changes) as (keyof typeof changes)[]).filter((k) => before[k] !== after[k]);
    await createAuditEvent(tx, {
      actor,
      action: "queue.update",
      objectType: "queue",
      objectId: id,
      before: { name: before.name, ...Object.fromEntries(changed.map((k) => [k, before[k]])) },
      after: {
        name: after.name,
        ...Object.fromEntries(changed.map((k) => [k, after[k]])),
        ...(undefaulted.length ? { defaultTakenFrom: undefaulted.map((q) => q.name) } : {}),
      },
    });
    return after;
  });
}

/** What keeps a queue from being deleted: live runs, job definitions and schedules using it. */
export async function queueUsage(db: DbOrTx, id: number) {
  // One query at a time: inside a transaction they share one connection.
  const liveRuns = await db.jobInstance.count({ where: { queueId: id } });
  const jobDefs = await db.jobDef.count({ where: { queueId: id } });
  const schedules = await db.jobSchedule.count({ where: { queueId: id } });
  return { liveRuns, jobDefs, schedules };
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * JQM's DELETE /q/{id}: refused (CONFLICT, with the counts) while live runs, job definitions or
 * schedules use the queue, and for the default queue; its mappings go with it. Ended runs keep
 * the queue's name in History.
 */
export async function deleteQueue(db: Db, { actor, id }: { actor: Actor; id: number }) {
  try {
    return await db.$transaction(async (tx) => {
      await lockDefaultQueue(db, tx);
      const queue = await tx.queue.findUnique({ where: { id }, select: auditFields });
      if (!queue) throw new AppError("NOT_FOUND", `No queue with id ${id}`);
      const mappings = await tx.queueMapping.findMany({
        where: { queueId: id },
        select: { id: true, nodeId: true, maxThreads: true, pollingIntervalMs: true, enabled: true },
      });
      const before = { ...queue, mappings };
      if (before.isDefault) throw new AppError("CONFLICT", `${before.name} is the default queue: make another queue the default first`);
      const usage = await queueUsage(tx, id);
      if (usage.liveRuns || usage.jobDefs || usage.schedules) {
        const uses = [
          usage.liveRuns ? plural(usage.liveRuns, "live run") : null,
          usage.jobDefs ? plural(usage.jobDefs, "job definition") : null,
          usage.schedules ? plural(usage.schedules, "schedule") : null,
        ].filter(Boolean);
        throw new AppError("CONFLICT", `Queue ${before.name} is still used by ${uses.join(", ")}`);
      }
      await tx.queueMapping.deleteMany({ where: { queueId: id } });
      await tx.queue.delete({ where: { id } });
      await createAuditEvent(tx, { actor, action: "queue.delete", objectType: "queue", objectId: id, before });
      return { id, name: before.name, mappingsDeleted: before.mappings.length };
    });
  } catch (e) {
    // A run enqueued into the queue between the check and the delete trips the foreign key.
    if (typeof e === "object" && e && "code" in e && e.code === "P2003") {
      throw new AppError("CONFLICT", "The queue was used by a new run or job definition meanwhile; try again");
    }
    throw e;
  }
}
