import type { Cron } from "croner";
import type { Logger } from "pino";
import type { Db } from "~/server/db";
import { createCron } from "~/server/services/jobdefs/cron";
import type { Actor } from "~/server/services/audit/create-audit-event";
import { enqueueRun, notifyEnqueued } from "~/server/services/runs/enqueue-run";

/** Who creates the runs that schedules fire, in the audit trail. */
export const SCHEDULER_ACTOR: Actor = { userId: null, login: "scheduler", fromAddress: "local" };

/** SCHEDULED runs whose runAfter has come become SUBMITTED (any node may do it: the update is guarded). */
export async function promoteScheduledRuns(db: Db, now = new Date()): Promise<number> {
  const due = await db.jobInstance.findMany({
    where: { state: "SCHEDULED", runAfter: { lte: now } },
    select: { id: true, queueId: true },
    take: 1000,
  });
  const queues = new Set<number>();
  for (const r of due) {
    const { count } = await db.jobInstance.updateMany({ where: { id: r.id, state: "SCHEDULED" }, data: { state: "SUBMITTED" } });
    if (count === 1) queues.add(r.queueId);
  }
  for (const q of queues) await notifyEnqueued(db, q);
  return due.length;
}

/**
 * Holds or renews a named lease for `holder`; true while it is ours. Only the holder of the
 * "scheduler" lease fires cron schedules; another node takes over once it expires.
 */
export async function holdLease(db: Db, name: string, holder: string, ttlMs: number, now = new Date()): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const { count } = await db.clusterLease.updateMany({
    where: { name, OR: [{ holder }, { expiresAt: { lt: now } }] },
    data: { holder, expiresAt },
  });
  if (count === 1) return true;
  if (await db.clusterLease.findUnique({ where: { name }, select: { name: true } })) return false;
  try {
    await db.clusterLease.create({ data: { name, holder, expiresAt } });
    return true;
  } catch {
    return false;
  }
}

export async function releaseLease(db: Db, name: string, holder: string) {
  await db.clusterLease.deleteMany({ where: { name, holder } });
}

/** The last occurrence of `cron` after `from` that is not later than `now`, or null. */
export function latestDueOccurrence(cron: Cron, from: Date, now: Date): Date | null {
  let due = cron.nextRun(from);
  if (!due || due > now) return null;
  for (let i = 0; i < 10_000; i++) {
    const next = cron.nextRun(due);
    if (!next || next > now) break;
    due = next;
  }
  return due;
}

/**
 * Enqueues one run per due schedule. Missed occurrences (the cluster was down) collapse into one.
 * `lastFiredAt` moves with a compare-and-set, so an occurrence fires once even if two nodes
 * believe they lead (JQM issue #643).
 */
export async function fireDueSchedules(db: Db, log: Logger, now = new Date()): Promise<number> {
  const schedules = await db.jobSchedule.findMany({
    where: { enabled: true, jobDef: { enabled: true } },
    include: { jobDef: { select: { applicationName: true } }, queue: { select: { name: true } } },
  });
  let fired = 0;
  for (const s of schedules) {
    let cron: Cron;
    try {
      cron = createCron(s.cronExpression);
    } catch (err) {
      log.error({ err, schedule: s.id }, `invalid cron expression ${JSON.stringify(s.cronExpression)}`);
      continue;
    }
    const due = latestDueOccurrence(cron, s.lastFiredAt ?? s.createdAt, now);
    if (!due) continue;
    const { count } = await db.jobSchedule.updateMany({ where: { id: s.id, lastFiredAt: s.lastFiredAt }, data: { lastFiredAt: due } });
    if (count !== 1) continue;
    const run = await enqueueRun(
      db,
      {
        applicationName: s.jobDef.applicationName,
        parameters: (s.parameters ?? {}) as Record<string, string>,
        queueName: s.queue?.name,
        priority: s.priority,
        scheduleId: s.id,
        user: SCHEDULER_ACTOR.login,
      },
      SCHEDULER_ACTOR,
    );
    log.info({ schedule: s.id, occurrence: due, run: run.id }, `schedule fired for ${s.jobDef.applicationName}`);
    fired++;
  }
  return fired;
}
