import type { DbOrTx } from "~/server/db";
import { AppError } from "~/server/services/errors";
import { jobDefDetailSelect, toJobDefDetail } from "./jobdef-schema";

/** One job definition with all its fields and schedules. */
export async function getJobDef(db: DbOrTx, id: number) {
  const jd = await db.jobDef.findUnique({ where: { id }, select: jobDefDetailSelect });
  if (!jd) throw new AppError("NOT_FOUND", `No job definition with id ${id}`);
  return toJobDefDetail(jd);
}

/** Every job definition with all its fields and schedules, by name. */
export async function listJobDefs(db: DbOrTx, { names }: { names?: string[] } = {}) {
  const rows = await db.jobDef.findMany({
    where: names ? { applicationName: { in: names } } : undefined,
    orderBy: { applicationName: "asc" },
    select: jobDefDetailSelect,
  });
  return rows.map(toJobDefDetail);
}

export async function queueIdByName(db: DbOrTx, name: string): Promise<number> {
  const q = await db.queue.findUnique({ where: { name }, select: { id: true } });
  if (!q) throw new AppError("BAD_REQUEST", `Unknown queue: ${name}`);
  return q.id;
}

/** Queue names for the definition and schedule forms (the default queue first). */
export async function listQueueNames(db: DbOrTx) {
  return db.queue.findMany({ orderBy: [{ isDefault: "desc" }, { name: "asc" }], select: { name: true, isDefault: true } });
}
