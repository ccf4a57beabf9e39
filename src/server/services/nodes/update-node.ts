import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError, parseInput } from "~/server/services/errors";
import { bindChoices, toNodeConfig } from "~/server/services/security/get-security-report";
import { newExposures } from "~/security/evaluate";
import { type TUpdateNode, ZUpdateNodeSchema } from "~/server/domain/node-parameters";


export type UpdateNodeOptions = {
  actor: Actor;
  id: number;
  changes: TUpdateNode;
  /** The caller showed what the change exposes beyond this host and the user accepted it. */
  confirmExposure?: boolean;
};

/**
 * Changes node parameters (a running node applies them within one heartbeat), audited with
 * before/after. Refuses an interface the node does not have, TLS without its files, a name in use,
 * and anything newly exposed beyond this host unless `confirmExposure`.
 */
export async function updateNode(db: Db, { actor, id, changes, confirmExposure = false }: UpdateNodeOptions) {
  const data = parseInput(ZUpdateNodeSchema, changes);
  return db.$transaction(async (tx) => {
    const before = await tx.node.findUnique({ where: { id }, include: { report: true } });
    if (!before) throw new AppError("NOT_FOUND", `No node with id ${id}`);
    if (data.host !== undefined && data.host !== before.host && !bindChoices(before).some((c) => c.address === data.host)) {
      throw new AppError("BAD_REQUEST", `${data.host} is neither loopback, all interfaces, nor an address node ${before.name} reported`);
    }
    if (data.name !== undefined && data.name !== before.name && (await tx.node.findUnique({ where: { name: data.name }, select: { id: true } }))) {
      throw new AppError("CONFLICT", `A node named ${data.name} already exists`);
    }
    const { report, ...row } = before;
    const merged = { ...row, ...data };
    if (merged.tlsEnabled && (!merged.tlsCertPath || !merged.tlsKeyPath)) {
      throw new AppError("BAD_REQUEST", `TLS needs a certificate and a key file: run \`jobwarden pki node ${before.name}\` and set tlsCertPath and tlsKeyPath`);
    }
    const exposures = newExposures(toNodeConfig(before), toNodeConfig({ ...merged, report }));
    if (exposures.length && !confirmExposure) {
      throw new AppError("BAD_REQUEST", `Confirm the exposure first: ${exposures.join("; ")}`);
    }
    const after = await tx.node.update({ where: { id }, data });
    const changed = (Object.keys(data) as (keyof typeof data)[]).filter((k) => row[k] !== data[k]);
    await createAuditEvent(tx, {
      actor,
      action: "node.update",
      objectType: "node",
      objectId: id,
      before: Object.fromEntries(changed.map((k) => [k, row[k]])),
      after: Object.fromEntries(changed.map((k) => [k, data[k]])),
    });
    return after;
  });
}
