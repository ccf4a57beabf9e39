import type { Db, DbOrTx } from "~/server/db";
import { ACTIVE_STATES, LIVE_STATES, type RunState } from "~/server/domain/run-states";
import { findNodes } from "~/server/services/nodes/find-nodes";
import { bucketRuns, bucketWindowStart } from "./bucket-runs";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Most History rows read to draw the 24 h chart; beyond, the oldest hours are flagged incomplete. */
export const MAX_WINDOW_ROWS = 200_000;


export type OverviewSections = { runs: boolean; nodes: boolean; queues: boolean };
export type OverviewOptions = { now?: Date; include: OverviewSections; maxWindowRows?: number };

async function getRunStats(db: DbOrTx, now: Date, maxWindowRows: number) {
  const perMinute = { now, bucketMs: MINUTE_MS, count: 60 };
  const perHour = { now, bucketMs: HOUR_MS, count: 24 };
  // The hourly window starts earlier than the minute one: one ranged read on History(endedAt) serves both.
  const since = bucketWindowStart(perHour);
  const lastHourSince = new Date(now.getTime() - HOUR_MS);
  const last24hSince = new Date(now.getTime() - 24 * HOUR_MS);

  const [live, windowRows, lastHour, failing] = await Promise.all([
    db.jobInstance.groupBy({ by: ["state"], _count: { _all: true } }),
    db.history.findMany({
      where: { endedAt: { gte: since, lte: now } },
      select: { endedAt: true, state: true },
      orderBy: { endedAt: "desc" },
      take: maxWindowRows + 1,
    }),
    db.history.groupBy({ by: ["state"], where: { endedAt: { gt: lastHourSince, lte: now } }, _count: { _all: true } }),
    db.history.groupBy({
      by: ["applicationName"],
      where: { state: "CRASHED", endedAt: { gt: last24hSince, lte: now } },
      _count: { _all: true },
      _max: { endedAt: true },
      orderBy: [{ _count: { applicationName: "desc" } }, { applicationName: "asc" }],
      take: 5,
    }),
  ]);

  const liveCounts = Object.fromEntries(LIVE_STATES.map((s) => [s, 0])) as Record<RunState, number>;
  for (const row of live) if (row.state in liveCounts) liveCounts[row.state] = row._count._all;
  const lastHourCount = (state: RunState) => lastHour.find((r) => r.state === state)?._count._all ?? 0;

  const truncated = windowRows.length > maxWindowRows;
  const rows = truncated ? windowRows.slice(0, maxWindowRows) : windowRows;
  /** With a truncated read, buckets before the oldest row read are incomplete. */
  const completeFrom = truncated ? rows.at(-1)!.endedAt : null;

  return {
    live: {
      waiting: liveCounts.SUBMITTED,
      scheduled: liveCounts.SCHEDULED,
      held: liveCounts.HOLDED,
      attributed: liveCounts.ATTRIBUTED,
      running: liveCounts.RUNNING + liveCounts.ATTRIBUTED,
      byState: liveCounts,
    },
    lastHour: { ended: lastHourCount("ENDED"), crashed: lastHourCount("CRASHED"), cancelled: lastHourCount("CANCELLED") },
    perMinute: bucketRuns(rows, perMinute),
    perHour: bucketRuns(rows, perHour),
    truncated,
    completeFrom,
    failingJobDefs: failing.map((f) => ({
      applicationName: f.applicationName,
      crashed: f._count._all,
      lastCrashAt: f._max.endedAt,
    })),
  };
}

async function getNodeStats(db: Db) {
  const nodes = await findNodes(db);
  const count = (health: string) => nodes.filter((n) => n.health === health).length;
  return {
    total: nodes.length,
    alive: count("alive"),
    late: count("late"),
    dead: count("dead"),
    neverStarted: count("never started"),
  };
}

async function getQueueStats(db: DbOrTx) {
  const [queues, counts] = await Promise.all([
    db.queue.findMany({
      orderBy: { name: "asc" },
      select: {
        id: true,
        name: true,
        description: true,
        isDefault: true,
        mappings: { select: { enabled: true, maxThreads: true } },
      },
    }),
    db.jobInstance.groupBy({ by: ["queueId", "state"], _count: { _all: true } }),
  ]);
  return queues.map((q) => {
    const of = (...states: RunState[]) =>
      counts.filter((c) => c.queueId === q.id && states.includes(c.state)).reduce((n, c) => n + c._count._all, 0);
    const enabled = q.mappings.filter((m) => m.enabled);
    return {
      id: q.id,
      name: q.name,
      description: q.description,
      isDefault: q.isDefault,
      waiting: of("SUBMITTED"),
      held: of("HOLDED"),
      scheduled: of("SCHEDULED"),
      running: of(...ACTIVE_STATES),
      nodes: enabled.length,
      maxThreads: enabled.reduce((n, m) => n + m.maxThreads, 0),
    };
  });
}

/** The home page's numbers; each section is null when the caller may not see it. */
export async function getOverview(db: Db, { now = new Date(), include, maxWindowRows = MAX_WINDOW_ROWS }: OverviewOptions) {
  const [runs, nodes, queues] = await Promise.all([
    include.runs ? getRunStats(db, now, maxWindowRows) : null,
    include.nodes ? getNodeStats(db) : null,
    include.queues ? getQueueStats(db) : null,
  ]);
  return { generatedAt: now, runs, nodes, queues };
}
