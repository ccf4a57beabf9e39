import type { DbOrTx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";

/**
 * How long one user's reads of one log count as a single read: a viewer following a log polls
 * every few seconds and is audited once per window, not once per poll.
 */
export const LOG_READ_AUDIT_WINDOW_MS = 60 * 60 * 1000;

export type LogRead = {
  actor: Actor;
  /** The node whose disk holds the log. */
  node: string;
  /** Set when the read went through the node's API. */
  via?: "node-api";
} & (
  | {
      log: "run";
      runId: number;
      stream: "stdout" | "stderr";
      /** The whole log in one answer (a download): audited every time. */
      whole: boolean;
      /** The part asked for, as the caller sent it. */
      tail?: number;
      range?: string;
    }
  | { log: "engine"; lines: number }
);

const sameCaller = (actor: Actor) =>
  actor.userId !== null ? { userId: actor.userId } : { userId: null, login: actor.login, fromAddress: actor.fromAddress ?? null };

/**
 * Audits a read of a run's stdout/stderr or of a node's engine log. A whole download is audited as
 * `logs.download` every time; any other read (a tail, a Range, an engine log window), whatever its
 * size, as `logs.read` / `enginelog.read` unless the same caller already has a row for the same log
 * within LOG_READ_AUDIT_WINDOW_MS.
 */
export async function auditLogRead(db: DbOrTx, read: LogRead) {
  const { actor, node, via } = read;
  const target = read.log === "run" ? { objectType: "logs", objectId: String(read.runId) } : { objectType: "enginelog", objectId: node };
  const after =
    read.log === "run"
      ? { stream: read.stream, node, ...(read.tail !== undefined ? { tail: read.tail } : {}), ...(read.range ? { range: read.range.slice(0, 100) } : {}) }
      : { node, lines: read.lines };
  const withVia = { ...after, ...(via ? { via } : {}) };

  if (read.log === "run" && read.whole) {
    return createAuditEvent(db, { actor, action: "logs.download", ...target, after: withVia });
  }
  const recent = await db.auditEvent.findMany({
    where: { ...target, action: { in: ["logs.download", "logs.read", "enginelog.read"] }, at: { gte: new Date(Date.now() - LOG_READ_AUDIT_WINDOW_MS) }, ...sameCaller(actor) },
    select: { after: true },
    orderBy: { id: "desc" },
    take: 50,
  });
  const stream = read.log === "run" ? read.stream : undefined;
  if (recent.some((r) => (r.after as { stream?: string } | null)?.stream === stream)) return null;
  return createAuditEvent(db, { actor, action: read.log === "run" ? "logs.read" : "enginelog.read", ...target, after: withVia });
}
