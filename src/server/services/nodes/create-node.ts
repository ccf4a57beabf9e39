import { join } from "node:path";
import { env } from "~/env";
import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";


export type CreateNodeOptions = { actor: Actor; name: string; host?: string; port?: number };

/** A node with its directories under JOBWARDEN_HOME/nodes/<name> and a mapping to the default queue. */
export async function createNode(db: Db, { actor, name, host = "127.0.0.1", port = 1789 }: CreateNodeOptions) {
  const root = join(env.JOBWARDEN_HOME, "nodes", name);
  return db.$transaction(async (tx) => {
    if (await tx.node.findUnique({ where: { name }, select: { id: true } })) {
      throw new AppError("CONFLICT", `A node named ${name} already exists`);
    }
    const defaultQueue = await tx.queue.findFirst({ where: { isDefault: true }, select: { id: true } });
    const node = await tx.node.create({
      data: {
        name,
        host,
        port,
        jobsDir: join(root, "jobs"),
        deliverablesDir: join(root, "deliverables"),
        tmpDir: join(root, "tmp"),
        logDir: join(root, "logs"),
        ...(defaultQueue ? { mappings: { create: { queueId: defaultQueue.id, maxThreads: 5, pollingIntervalMs: 1000 } } } : {}),
      },
    });
    await createAuditEvent(tx, { actor, action: "node.create", objectType: "node", objectId: node.id, after: node });
    return node;
  });
}
