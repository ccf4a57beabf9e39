import { type Db, dialectOf } from "~/server/db";
import { ACTIVE_STATES } from "~/server/domain/run-states";

/**
 * Takes up to `max` SUBMITTED runs of a queue for a node: priority first (higher wins), then
 * position (FIFO). A highlander job definition with a run already active is skipped.
 * Where the database can skip locked rows (PostgreSQL): one UPDATE over a FOR UPDATE SKIP LOCKED selection. SQLite: a guarded update per
 * candidate (`WHERE id = ? AND state = 'SUBMITTED'`): a run another node took is simply skipped.
 * A claim carries the node's incarnation as its fencing token, and is only made while that
 * incarnation is still the node's (a node declared dead claims nothing until it rejoins).
 */
export async function claimRuns(db: Db, { queueId, nodeId, token, max }: { queueId: number; nodeId: number; token: number; max: number }): Promise<number[]> {
  if (max <= 0) return [];
  if (dialectOf(db).skipLocked) {
    const rows = await db.$queryRawUnsafe<{ id: number }[]>(
      `WITH claimed AS (
       UPDATE "JobInstance" SET "state" = 'ATTRIBUTED', "nodeId" = $1, "fencingToken" = $4, "attributedAt" = now()
       WHERE "id" IN (
         SELECT ji."id" FROM "JobInstance" ji
         JOIN "JobDef" jd ON jd."id" = ji."jobDefId"
         WHERE ji."queueId" = $2 AND ji."state" = 'SUBMITTED'
           AND EXISTS (SELECT 1 FROM "Node" n WHERE n."id" = $1 AND n."incarnation" = $4)
           AND (NOT jd."highlander" OR NOT EXISTS (
             SELECT 1 FROM "JobInstance" r WHERE r."jobDefId" = jd."id" AND r."state" IN ('ATTRIBUTED', 'RUNNING')))
         ORDER BY ji."priority" DESC, ji."position" ASC
         LIMIT $3
         FOR UPDATE OF ji SKIP LOCKED)
       RETURNING "id", "priority", "position")
       SELECT "id" FROM claimed ORDER BY "priority" DESC, "position" ASC`,
      nodeId,
      queueId,
      max,
      token,
    );
    return rows.map((r) => Number(r.id));
  }

  const candidates = await db.jobInstance.findMany({
    where: { queueId, state: "SUBMITTED" },
    orderBy: [{ priority: "desc" }, { position: "asc" }],
    take: max * 3,
    select: { id: true, jobDefId: true, jobDef: { select: { highlander: true } } },
  });
  const claimed: number[] = [];
  for (const c of candidates) {
    if (claimed.length >= max) break;
    if (c.jobDef.highlander) {
      const active = await db.jobInstance.count({ where: { jobDefId: c.jobDefId, state: { in: ACTIVE_STATES } } });
      if (active > 0) continue;
    }
    // Raw: a Prisma updateMany costs about ten times more (query compilation), once per run.
    const count = await db.$executeRawUnsafe(
      `UPDATE "JobInstance" SET "state" = 'ATTRIBUTED', "nodeId" = ?, "fencingToken" = ?, "attributedAt" = ?
       WHERE "id" = ? AND "state" = 'SUBMITTED' AND EXISTS (SELECT 1 FROM "Node" WHERE "id" = ? AND "incarnation" = ?)`,
      nodeId,
      token,
      new Date(),
      c.id,
      nodeId,
      token,
    );
    if (count === 1) claimed.push(c.id);
  }
  return claimed;
}
