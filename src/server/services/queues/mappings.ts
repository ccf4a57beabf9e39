import type { Db, DbOrTx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { ACTIVE_STATES } from "~/server/domain/run-states";

import { type TCreateMapping, type TUpdateMapping, ZCreateMappingSchema, ZUpdateMappingSchema } from "~/server/domain/queue-schemas";

export {
  RECOMMENDED_MIN_POLLING_MS,
  ZCreateMappingSchema,
  ZMaxThreadsSchema,
  ZPollingIntervalSchema,
  ZUpdateMappingSchema,
  type TCreateMapping,
  type TUpdateMapping,
} from "~/server/domain/queue-schemas";


const mappingSelect = {
  id: true,
  nodeId: true,
  queueId: true,
  maxThreads: true,
  pollingIntervalMs: true,
  enabled: true,
  updatedAt: true,
  node: { select: { name: true } },
  queue: { select: { name: true } },
} as const;

const auditFields = { id: true, nodeId: true, queueId: true, maxThreads: true, pollingIntervalMs: true, enabled: true } as const;

/**
 * JQM's GET /qmapping: mappings with their node and queue names and the runs running now
 * (ATTRIBUTED or RUNNING) for each node and queue pair.
 */
export async function findMappings(db: DbOrTx, filter: { nodeId?: number; queueId?: number } = {}) {
  const [mappings, running] = await Promise.all([
    db.queueMapping.findMany({
      where: filter,
      orderBy: [{ queue: { name: "asc" } }, { node: { name: "asc" } }],
      select: mappingSelect,
    }),
    db.jobInstance.groupBy({
      by: ["nodeId", "queueId"],
      where: { ...filter, state: { in: ACTIVE_STATES } },
      _count: { _all: true },
    }),
  ]);
  return mappings.map(({ node, queue, ...m }) => ({
    ...m,
    nodeName: node.name,
    queueName: queue.name,
    running: running.find((r) => r.nodeId === m.nodeId && r.queueId === m.queueId)?._count._all ?? 0,
  }));
}

/** JQM's POST /qmapping: one mapping per node and queue. Running nodes start polling at their next heartbeat. */
export async function createMapping(db: Db, { actor, ...input }: { actor: Actor } & TCreateMapping) {
  const data = parseInput(ZCreateMappingSchema, input);
  try {
    return await db.$transaction(async (tx) => {
      const node = await tx.node.findUnique({ where: { id: data.nodeId }, select: { name: true } });
      const queue = await tx.queue.findUnique({ where: { id: data.queueId }, select: { name: true } });
      if (!node) throw new AppError("NOT_FOUND", `No node with id ${data.nodeId}`);
      if (!queue) throw new AppError("NOT_FOUND", `No queue with id ${data.queueId}`);
      const existing = await tx.queueMapping.findUnique({ where: { nodeId_queueId: { nodeId: data.nodeId, queueId: data.queueId } }, select: { id: true } });
      if (existing) throw new AppError("CONFLICT", `Node ${node.name} already polls queue ${queue.name}`);
      const mapping = await tx.queueMapping.create({ data, select: auditFields });
      await createAuditEvent(tx, {
        actor,
        action: "qmapping.create",
        objectType: "qmapping",
        objectId: mapping.id,
        after: { ...mapping, nodeName: node.name, queueName: queue.name },
      });
      return mapping;
    });
  } catch (e) {
    if (typeof e === "object" && e && "code" in e && e.code === "P2002") {
      throw new AppError("CONFLICT", "This node already polls this queue");
    }
    throw e;
  }
}

/** JQM's PUT /qmapping/{id}: threads, polling interval, enabled; applied by the node at its next heartbeat. */
export async function updateMapping(db: Db, { actor, id, ...input }: { actor: Actor; id: number } & TUpdateMapping) {
  const changes = parseInput(ZUpdateMappingSchema, input);
  return db.$transaction(async (tx) => {
    const before = await tx.queueMapping.findUnique({ where: { id }, select: auditFields });
    if (!before) throw new AppError("NOT_FOUND", `No queue mapping with id ${id}`);
    const after = await tx.queueMapping.update({ where: { id }, data: changes, select: auditFields });
    const keys = Object.keys(changes) as (keyof typeof changes)[];
    await createAuditEvent(tx, {
      actor,
      action: "qmapping.update",
      objectType: "qmapping",
      objectId: id,
      before: Object.fromEntries(keys.map((k) => [k, before[k]])),
      after: Object.fromEntries(keys.map((k) => [k, after[k]])),
    });
    return after;
  });
}

/** Enables or disables one queue mapping (a poller), audited. */
export function setMappingEnabled(db: Db, { actor, id, enabled }: { actor: Actor; id: number; enabled: boolean }) {
  return updateMapping(db, { actor, id, enabled });
}

/** JQM's DELETE /qmapping/{id}: the node stops polling the queue at its next heartbeat; its running jobs finish. */
export async function deleteMapping(db: Db, { actor, id }: { actor: Actor; id: number }) {
  return db.$transaction(async (tx) => {
    const before = await tx.queueMapping.findUnique({ where: { id }, select: auditFields });
    if (!before) throw new AppError("NOT_FOUND", `No queue mapping with id ${id}`);
    const node = await tx.node.findUniqueOrThrow({ where: { id: before.nodeId }, select: { name: true } });
    const queue = await tx.queue.findUniqueOrThrow({ where: { id: before.queueId }, select: { name: true } });
    await tx.queueMapping.delete({ where: { id } });
    await createAuditEvent(tx, {
      actor,
      action: "qmapping.delete",
      objectType: "qmapping",
      objectId: id,
      before: { ...before, nodeName: node.name, queueName: queue.name },
    });
    return { id };
  });
}
