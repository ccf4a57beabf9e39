import { Prisma } from "~/generated/sqlite/client";
import { JobState } from "~/generated/sqlite/enums";
import type { Db, Tx } from "~/server/db";
import { AppError } from "~/server/services/errors";

/** A node's hold on a run it claimed: every write the node makes about the run must match it. */
export type RunClaim = { nodeId: number; token: number };

export type EndRunOptions = {
  id: number;
  state: Extract<JobState, "ENDED" | "CRASHED" | "CANCELLED">;
  returnCode?: number | null;
  endReason?: string | null;
  /** Only end the run if it is still in one of these states (guards against racing writers). */
  fromStates?: JobState[];
  /** Only end the run if this claim still stands (the owner's end, fenced). */
  claim?: RunClaim;
  /** Deliverables of the run, recorded with its end (and only if the end is written). */
  deliverables?: Prisma.DeliverableCreateManyInput[];
};

const stateLiteral = (s: JobState) => {
  if (!Object.values(JobState).includes(s)) throw new Error(`not a run state: ${s}`);
  return Prisma.raw(`'${s}'`);
};

/** The conditions under which a live run may still be changed by a writer with these options. */
export function runGuard({ fromStates, claim }: Pick<EndRunOptions, "fromStates" | "claim">, alias = "") {
  const c = (name: string) => Prisma.raw(`${alias ? `${alias}.` : ""}"${name}"`);
  const parts: Prisma.Sql[] = [];
  if (fromStates) parts.push(Prisma.sql`${c("state")} IN (${Prisma.join(fromStates.map(stateLiteral))})`);
  if (claim) parts.push(Prisma.sql`${c("nodeId")} = ${claim.nodeId} AND ${c("fencingToken")} = ${claim.token}`);
  return parts.length ? Prisma.sql` AND ${Prisma.join(parts, " AND ")}` : Prisma.empty;
}

/**
 * Moves a run from JobInstance to History: a run ends once. False (and nothing written) when it
 * had already ended, or no longer matches `fromStates` or `claim`.
 */
export async function endRun(db: Db, options: EndRunOptions): Promise<boolean> {
  try {
    return await db.$transaction((tx) => endRunInTx(tx, options));
  } catch (err) {
    if (err instanceof AppError && err.code === "CONFLICT") return false;
    throw err;
  }
}

/**
 * The end as one guarded transition, safe under concurrent writers on both databases: the History
 * row is written first (a second writer waits on its key, then writes nothing), and the live row
 * is removed only if it still matches the guard. Throws CONFLICT when the run changed meanwhile
 * (the transaction rolls back).
 */
export async function endRunInTx(tx: Tx, { id, state, returnCode, endReason, fromStates, claim, deliverables }: EndRunOptions): Promise<boolean> {
  const guard = runGuard({ fromStates, claim });
  const inserted = await tx.$executeRaw(Prisma.sql`
    INSERT INTO "History" ("id", "jobDefId", "applicationName", "queueName", "nodeName", "state", "returnCode", "endReason",
      "parentId", "progress", "priority", "parameters", "application", "module", "keyword1", "keyword2", "keyword3",
      "userName", "sessionId", "email", "enqueuedAt", "attributedAt", "startedAt", "endedAt")
    SELECT ji."id", ji."jobDefId", jd."applicationName", q."name", n."name", ${stateLiteral(state)}, ${returnCode ?? null}, ${endReason ?? null},
      ji."parentId", ji."progress", ji."priority", ji."parameters", ji."application", ji."module", ji."keyword1", ji."keyword2", ji."keyword3",
      ji."userName", ji."sessionId", ji."email", ji."enqueuedAt", ji."attributedAt", ji."startedAt", ${new Date()}
    FROM "JobInstance" ji
    JOIN "JobDef" jd ON jd."id" = ji."jobDefId"
    JOIN "Queue" q ON q."id" = ji."queueId"
    LEFT JOIN "Node" n ON n."id" = ji."nodeId"
    WHERE ji."id" = ${id}${runGuard({ fromStates, claim }, "ji")}
    ON CONFLICT ("id") DO NOTHING`);
  if (inserted !== 1) return false;
  const deleted = await tx.$executeRaw(Prisma.sql`DELETE FROM "JobInstance" WHERE "id" = ${id}${guard}`);
  if (deleted !== 1) throw new AppError("CONFLICT", `Run ${id} changed state meanwhile`);
  if (deliverables?.length) await tx.deliverable.createMany({ data: deliverables });
  if (endReason && state !== "ENDED") {
    await tx.message.create({ data: { jobInstanceId: id, text: `Status changed: ${state} due to ${endReason}` } });
  }
  return true;
}
