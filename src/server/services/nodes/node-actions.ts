import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";

export type NodeAction = "stop" | "pause" | "resume";

const CHANGES = {
  /** The node finishes (or, after its grace period, kills) its runs and exits; start it again on its host. */
  stop: { stopRequested: true },
  /** The node keeps running its runs but starts no new one (JQM's pause: Node.enabled = false). */
  pause: { enabled: false },
  resume: { enabled: true },
} as const satisfies Record<NodeAction, object>;

/** Stops, pauses or resumes a node through its row: the node applies it at its next heartbeat. Audited. */
export async function applyNodeAction(db: Db, { actor, id, action }: { actor: Actor; id: number; action: NodeAction }) {
  return db.$transaction(async (tx) => {
    const before = await tx.node.findUnique({ where: { id }, select: { name: true, enabled: true, stopRequested: true } });
    if (!before) throw new AppError("NOT_FOUND", `No node with id ${id}`);
    const data = CHANGES[action];
    const after = await tx.node.update({ where: { id }, data, select: { id: true, name: true, enabled: true, stopRequested: true } });
    await createAuditEvent(tx, { actor, action: `node.${action}`, objectType: "node", objectId: id, before, after: data });
    return after;
  });
}
