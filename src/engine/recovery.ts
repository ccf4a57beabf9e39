import type { Db } from "~/server/db";
import { DEAD_AFTER_MS } from "~/server/services/nodes/node-health";
import { endRun } from "~/server/services/runs/end-run";

const ACTIVE = ["ATTRIBUTED", "RUNNING"] as const;

/** Ends every active run attributed to a node as CRASHED with `reason`; returns their ids. */
export async function crashRunsOfNode(db: Db, nodeId: number, reason: string): Promise<number[]> {
  const runs = await db.jobInstance.findMany({ where: { nodeId, state: { in: [...ACTIVE] } }, select: { id: true, state: true } });
  const crashed: number[] = [];
  for (const r of runs) {
    if (await endRun(db, { id: r.id, state: "CRASHED", endReason: reason, fromStates: [r.state] })) crashed.push(r.id);
  }
  return crashed;
}

/** A live node ends the runs of nodes whose heartbeat expired (JQM only does it at restart). */
export async function crashRunsOfDeadNodes(db: Db, selfId: number, now = new Date()): Promise<{ node: string; crashed: number }[]> {
  const dead = await db.node.findMany({
    where: {
      id: { not: selfId },
      lastSeenAlive: { lt: new Date(now.getTime() - DEAD_AFTER_MS) },
      jobInstances: { some: { state: { in: [...ACTIVE] } } },
    },
    select: { id: true, name: true, lastSeenAlive: true },
  });
  const result = [];
  for (const n of dead) {
    const reason = `node ${n.name} stopped heartbeating at ${n.lastSeenAlive?.toISOString()} (crashed or cut off)`;
    result.push({ node: n.name, crashed: (await crashRunsOfNode(db, n.id, reason)).length });
  }
  return result;
}
