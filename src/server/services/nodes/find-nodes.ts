import type { Db } from "~/server/db";
import { LIVENESS_SELECT, livenessClock, nodeHealth } from "./node-health";
import { ACTIVE_STATES } from "~/server/domain/run-states";

/** Every node with its health, running count and last report (clusters have a handful of nodes). */
export async function findNodes(db: Db) {
  const [nodes, running, clock] = await Promise.all([
    db.node.findMany({
      orderBy: { name: "asc" },
      select: {
        id: true,
        name: true,
        host: true,
        port: true,
        enabled: true,
        stopRequested: true,
        loadApiClient: true,
        mgmtRemotePort: true,
        tlsEnabled: true,
        ...LIVENESS_SELECT,
        declaredDeadAt: true,
        declaredDeadBy: true,
        report: { select: { version: true, pid: true, startedAt: true, reportedAt: true } },
        mappings: { select: { queue: { select: { name: true } }, maxThreads: true, enabled: true } },
      },
    }),
    db.jobInstance.groupBy({ by: ["nodeId"], where: { state: { in: ACTIVE_STATES } }, _count: true }),
    livenessClock(db),
  ]);
  return nodes.map((n) => ({
    ...n,
    health: nodeHealth(n, clock),
    running: running.find((r) => r.nodeId === n.id)?._count ?? 0,
  }));
}
