import type { JobState } from "~/generated/sqlite/enums";
import type { Db, Tx } from "~/server/db";

export type EndRunOptions = {
  id: number;
  state: Extract<JobState, "ENDED" | "CRASHED" | "CANCELLED">;
  returnCode?: number | null;
  endReason?: string | null;
  /** Only end the run if it is still in one of these states (guards against racing writers). */
  fromStates?: JobState[];
};

/** Moves a run from JobInstance to History in one transaction; false when it had already moved. */
export function endRun(db: Db, options: EndRunOptions): Promise<boolean> {
  return db.$transaction((tx) => endRunInTx(tx, options));
}

export async function endRunInTx(tx: Tx, { id, state, returnCode, endReason, fromStates }: EndRunOptions): Promise<boolean> {
  // One statement reads and removes the row (each Prisma call costs a query compilation).
  const ji = await tx.jobInstance
    .delete({
      where: { id, ...(fromStates ? { state: { in: fromStates } } : {}) },
      include: {
        jobDef: { select: { applicationName: true } },
        queue: { select: { name: true } },
        node: { select: { name: true } },
      },
    })
    .catch((err: unknown) => {
      if ((err as { code?: string }).code === "P2025") return null;
      throw err;
    });
  if (!ji) return false;
  await tx.history.create({
    data: {
      id: ji.id,
      jobDefId: ji.jobDefId,
      applicationName: ji.jobDef.applicationName,
      queueName: ji.queue.name,
      nodeName: ji.node?.name ?? null,
      state,
      returnCode: returnCode ?? null,
      endReason: endReason ?? null,
      parentId: ji.parentId,
      progress: ji.progress,
      priority: ji.priority,
      parameters: ji.parameters ?? {},
      application: ji.application,
      module: ji.module,
      keyword1: ji.keyword1,
      keyword2: ji.keyword2,
      keyword3: ji.keyword3,
      userName: ji.userName,
      sessionId: ji.sessionId,
      email: ji.email,
      enqueuedAt: ji.enqueuedAt,
      attributedAt: ji.attributedAt,
      startedAt: ji.startedAt,
      endedAt: new Date(),
    },
  });
  if (endReason && state !== "ENDED") {
    await tx.message.create({ data: { jobInstanceId: id, text: `Status changed: ${state} due to ${endReason}` } });
  }
  return true;
}
