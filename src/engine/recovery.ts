import type { Logger } from "pino";
import { Prisma } from "~/generated/sqlite/client";
import { type Db, dialectOf } from "~/server/db";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { HEARTBEAT_INTERVAL_MS, readDeadAfterSeconds } from "~/server/services/nodes/node-health";
import { endRun } from "~/server/services/runs/end-run";
import { notifyEnqueued } from "~/server/services/runs/enqueue-run";
import { DEAD_FLOOR_HEARTBEATS } from "~/server/domain/parameters";
import { ACTIVE_STATES } from "~/server/domain/run-states";

export type TakeOver = { crashed: number[]; resubmitted: number[] };

/**
 * Raises a node's incarnation (at start, or to rejoin after it was declared dead): the claims its
 * earlier incarnations made no longer stand. Returns the new incarnation, the node's fencing token.
 */
export async function beginIncarnation(db: Db, nodeId: number, heartbeatMs: number, expected?: number): Promise<number | null> {
  const guard = expected === undefined ? Prisma.empty : Prisma.sql` AND "incarnation" = ${expected}`;
  const rows = await db.$queryRaw<{ incarnation: number }[]>(Prisma.sql`
    UPDATE "Node" SET "incarnation" = "incarnation" + 1, "heartbeatMs" = ${heartbeatMs}, "lastSeenAlive" = ${dialectOf(db).nowSql}
    WHERE "id" = ${nodeId}${guard} RETURNING "incarnation"`);
  return rows[0] ? Number(rows[0].incarnation) : null;
}

/**
 * Takes over the runs of a node whose claims no longer stand (their fencing token is not the
 * node's incarnation): RUNNING ones end CRASHED with `reason`; ATTRIBUTED ones never started, so
 * they go back to their queue. Each change is guarded by the stale claim, so it happens once.
 * With `onlyAtIncarnation`, nothing is done unless the node is still at that incarnation.
 */
export async function takeOverRuns(db: Db, nodeId: number, reason: string, onlyAtIncarnation?: number): Promise<TakeOver> {
  const node = await db.node.findUnique({ where: { id: nodeId }, select: { incarnation: true } });
  if (!node || (onlyAtIncarnation !== undefined && node.incarnation !== onlyAtIncarnation)) return { crashed: [], resubmitted: [] };
  const runs = await db.jobInstance.findMany({
    where: { nodeId, state: { in: ACTIVE_STATES }, OR: [{ fencingToken: null }, { fencingToken: { not: node.incarnation } }] },
    select: { id: true, state: true, fencingToken: true, queueId: true },
  });
  const result: TakeOver = { crashed: [], resubmitted: [] };
  const queues = new Set<number>();
  for (const r of runs) {
    const claim = r.fencingToken === null ? undefined : { nodeId, token: r.fencingToken };
    if (r.state === "RUNNING") {
      if (await endRun(db, { id: r.id, state: "CRASHED", endReason: reason, fromStates: ["RUNNING"], claim })) result.crashed.push(r.id);
      continue;
    }
    const back = await db.$transaction(async (tx) => {
      const { count } = await tx.jobInstance.updateMany({
        where: { id: r.id, state: "ATTRIBUTED", nodeId, fencingToken: r.fencingToken },
        data: { state: "SUBMITTED", nodeId: null, fencingToken: null, attributedAt: null },
      });
      if (count === 1) await tx.message.create({ data: { jobInstanceId: r.id, text: `Back in its queue before it started: ${reason}` } });
      return count === 1;
    });
    if (back) {
      result.resubmitted.push(r.id);
      queues.add(r.queueId);
    }
  }
  for (const q of queues) await notifyEnqueued(db, q);
  return result;
}

/**
 * Declares dead every other node that still holds runs and has been silent longer than its dead
 * threshold, judged on the database's clock, while this node itself was beating all along (a silence
 * seen across this node's own outage or pause proves nothing); raises its incarnation (so that it can no longer
 * write about its runs, should it come back) and takes its runs over. A pass cut short leaves the
 * node silent with runs: the next pass declares it again and finishes the take-over.
 */
export async function declareDeadNodes(
  db: Db,
  self: { id: number; name: string; healthyForMs: number },
  log: Logger,
): Promise<TakeOver & { nodes: string[] }> {
  const deadAfterMs = Prisma.sql`COALESCE("deadAfterSeconds", ${await readDeadAfterSeconds(db)}) * 1000`;
  const floor = Prisma.sql`${DEAD_FLOOR_HEARTBEATS} * COALESCE("heartbeatMs", ${HEARTBEAT_INTERVAL_MS})`;
  const dialect = dialectOf(db);
  const now = dialect.nowSql;
  const threshold = dialect.greatest(deadAfterMs, floor);
  const silent = dialect.olderThan("lastSeenAlive", threshold);
  const declared = await db.$queryRaw<{ id: number }[]>(Prisma.sql`
    UPDATE "Node" SET "incarnation" = "incarnation" + 1, "declaredDeadAt" = ${now}, "declaredDeadBy" = ${self.name}
    WHERE "id" <> ${self.id} AND "lastSeenAlive" IS NOT NULL AND ${silent} AND ${threshold} <= ${Math.floor(self.healthyForMs)}
      AND EXISTS (SELECT 1 FROM "JobInstance" ji WHERE ji."nodeId" = "Node"."id" AND ji."state" IN ('ATTRIBUTED', 'RUNNING'))
    RETURNING "id"`);
  const result = { nodes: [] as string[], crashed: [] as number[], resubmitted: [] as number[] };
  const add = (t: TakeOver) => {
    result.crashed.push(...t.crashed);
    result.resubmitted.push(...t.resubmitted);
  };
  for (const { id } of declared) {
    const n = await db.node.findUniqueOrThrow({ where: { id: Number(id) }, select: { name: true, lastSeenAlive: true, declaredDeadAt: true, incarnation: true } });
    const reason = `node ${n.name} was declared dead by ${self.name} at ${n.declaredDeadAt?.toISOString()}: no heartbeat since ${n.lastSeenAlive?.toISOString()}`;
    const taken = await takeOverRuns(db, Number(id), reason);
    add(taken);
    result.nodes.push(n.name);
    log.warn({ node: n.name, crashed: taken.crashed, resubmitted: taken.resubmitted }, reason);
    await createAuditEvent(db, {
      actor: { userId: null, login: `node ${self.name}`, fromAddress: "local" },
      action: "node.declared_dead",
      objectType: "node",
      objectId: id,
      before: { lastSeenAlive: n.lastSeenAlive, incarnation: n.incarnation - 1 },
      after: { declaredDeadAt: n.declaredDeadAt, incarnation: n.incarnation, crashed: taken.crashed, resubmitted: taken.resubmitted },
    });
  }
  return result;
}
