import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { auditView, getJobDef } from "./read-model";

/**
 * Deletes a job definition and its schedules. Refused while it has live runs (waiting, held,
 * running…): cancel or let them end first. Ended runs stay in History under their name.
 */
export async function deleteJobDef(db: Db, { actor, id }: { actor: Actor; id: number }) {
  return db.$transaction(async (tx) => {
    const before = await getJobDef(tx, id);
    const live = await tx.jobInstance.count({ where: { jobDefId: id } });
    if (live > 0) {
      throw new AppError(
        "CONFLICT",
        `Job definition ${before.applicationName} has ${live} live run${live === 1 ? "" : "s"}; cancel them or wait until they end before deleting it`,
      );
    }
    await tx.jobDef.delete({ where: { id } });
    await createAuditEvent(tx, { actor, action: "jd.delete", objectType: "jd", objectId: id, before: auditView(before) });
    return { id, applicationName: before.applicationName };
  });
}
