import { realpath } from "node:fs/promises";
import { hasPermission } from "~/server/domain/permissions";
import type { Db } from "~/server/db";
import type { Actor } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";
import { AppError } from "~/server/services/errors";
import { auditLogRead } from "~/server/services/runs/audit-log-read";
import { tailEngineLog } from "./engine-log-tail";
import { nodeApiFetch, nodeFailure } from "./node-api-client";

export const MAX_ENGINE_LOG_LINES = 10_000;

export type ReadEngineLogOptions = {
  nodeId: number;
  /** 1..10000 */
  lines: number;
  /** The signed-in user (node:read); a node on another host is asked on their behalf. */
  principal: Principal;
  /** Who mints the node API token (audited); defaults to the principal. */
  actor?: Actor;
};

/**
 * The last `lines` lines of a node's current engine log (JSON lines): from its log directory when
 * that is on this machine, else from the node's simple API (`/ws/simple/enginelog`). A node that
 * cannot be reached throws NodeApiError (an AppError naming the node).
 */
export async function readEngineLog(db: Db, { nodeId, lines, principal, actor }: ReadEngineLogOptions): Promise<{ text: string; source: "local" | "node-api" }> {
  if (!Number.isInteger(lines) || lines < 1 || lines > MAX_ENGINE_LOG_LINES) {
    throw new AppError("BAD_REQUEST", `lines must be a whole number between 1 and ${MAX_ENGINE_LOG_LINES}`);
  }
  if (!hasPermission(principal.permissions, "node:read")) throw new AppError("FORBIDDEN", "Permission node:read is required");
  const node = await db.node.findUnique({ where: { id: nodeId }, select: { name: true, logDir: true } });
  if (!node) throw new AppError("NOT_FOUND", `No node with id ${nodeId}`);

  if (await realpath(node.logDir).catch(() => null)) {
    const text = await tailEngineLog(node.logDir, lines);
    await auditLogRead(db, { actor: actor ?? { userId: principal.id, login: principal.login }, node: node.name, log: "engine", lines });
    return { text, source: "local" };
  }

  const res = await nodeApiFetch(db, { nodeName: node.name, path: `/ws/simple/enginelog?latest=${lines}`, principal, scopes: ["node:read"], actor });
  if (res.status !== 200) {
    const { status, message } = await nodeFailure(node.name, res);
    throw new AppError(status === 403 ? "FORBIDDEN" : status === 404 ? "NOT_FOUND" : "CONFLICT", message);
  }
  const text = await res.text();
  await auditLogRead(db, { actor: actor ?? { userId: principal.id, login: principal.login }, node: node.name, log: "engine", lines, via: "node-api" });
  return { text, source: "node-api" };
}
