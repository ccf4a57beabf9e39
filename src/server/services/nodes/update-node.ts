import { isIP } from "node:net";
import { z } from "zod";
import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";

const port = z.number().int().min(0).max(65535);
const path = z.string().trim().min(1).max(1000);
const authMode = z.enum(["none", "basic", "token", "certificate"]);

/** A bind address: loopback, all interfaces, or one address of the machine (checked by the node). */
export const ZBindHostSchema = z
  .string()
  .trim()
  .refine((h) => isIP(h) !== 0, "The interface must be an IP address: 127.0.0.1, ::1, 0.0.0.0, :: or one of the node's addresses");

export const ZUpdateNodeSchema = z
  .object({
    host: ZBindHostSchema,
    port,
    jobsDir: path,
    deliverablesDir: path,
    tmpDir: path,
    logDir: path,
    logLevel: z.enum(["TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL"]),
    enabled: z.boolean(),
    stopRequested: z.boolean(),
    loadApiClient: z.boolean(),
    mgmtRemotePort: port.nullable(),
    tlsEnabled: z.boolean(),
    tlsCertPath: path.nullable(),
    tlsKeyPath: path.nullable(),
    tlsCaPath: path.nullable(),
    authSimple: authMode,
    authClient: authMode,
    authMgmt: authMode,
    anonymousConfirmed: z.boolean(),
  })
  .partial();
export type TUpdateNode = z.infer<typeof ZUpdateNodeSchema>;

/** Changes node parameters (the node applies them within one heartbeat); audited with before/after. */
export async function updateNode(db: Db, { actor, id, changes }: { actor: Actor; id: number; changes: TUpdateNode }) {
  const data = ZUpdateNodeSchema.parse(changes);
  return db.$transaction(async (tx) => {
    const before = await tx.node.findUnique({ where: { id } });
    if (!before) throw new AppError("NOT_FOUND", `No node with id ${id}`);
    const after = await tx.node.update({ where: { id }, data });
    if (after.tlsEnabled && (!after.tlsCertPath || !after.tlsKeyPath)) {
      throw new AppError("BAD_REQUEST", "TLS needs a certificate and a key file (tlsCertPath, tlsKeyPath)");
    }
    const changed = Object.fromEntries(Object.keys(data).map((k) => [k, before[k as keyof typeof before]]));
    await createAuditEvent(tx, { actor, action: "node.update", objectType: "node", objectId: id, before: changed, after: data });
    return after;
  });
}

/** Enables or disables one queue mapping (a poller), audited. */
export async function setMappingEnabled(db: Db, { actor, id, enabled }: { actor: Actor; id: number; enabled: boolean }) {
  return db.$transaction(async (tx) => {
    const before = await tx.queueMapping.findUnique({ where: { id } });
    if (!before) throw new AppError("NOT_FOUND", `No queue mapping with id ${id}`);
    const after = await tx.queueMapping.update({ where: { id }, data: { enabled } });
    await createAuditEvent(tx, { actor, action: "qmapping.update", objectType: "qmapping", objectId: id, before: { enabled: before.enabled }, after: { enabled } });
    return after;
  });
}
