import { Prisma } from "~/generated/sqlite/client";
import type { Db, Tx } from "~/server/db";
import { type RunClaim, runGuard } from "./end-run";

/** A node wrote about a run it no longer owns: the database refused it. */
export class RunTakenOverError extends Error {
  constructor(readonly runId: number) {
    super(`run ${runId} is no longer this node's: it was taken over`);
    this.name = "RunTakenOverError";
  }
}

/**
 * Runs `write` in a transaction that holds the run's row, only while `claim` still stands: the
 * write of an owner whose claim was taken is refused (RunTakenOverError), never applied.
 */
export function writeAsOwner<T>(db: Db, id: number, claim: RunClaim, write: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    const held = await tx.$executeRaw(Prisma.sql`UPDATE "JobInstance" SET "fencingToken" = "fencingToken" WHERE "id" = ${id}${runGuard({ claim })}`);
    if (held !== 1) throw new RunTakenOverError(id);
    return write(tx);
  });
}
