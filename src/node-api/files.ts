import { stat } from "node:fs/promises";
import { create as contentDisposition } from "content-disposition";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "~/server/db";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { auditLogRead } from "~/server/services/runs/audit-log-read";
import { deliverableContentType, runLogFiles, safeFileName } from "~/server/services/runs/run-paths";

const DOWNLOAD_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
};
import type { NodeApiNode } from "./types";

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).type("application/json").send({ error: "Not Found", message });
}

/**
 * Streams a deliverable of this node by its 128-bit random download id (HTTP Range supported).
 * The stored path comes from the database and is resolved by @fastify/send inside deliverablesDir
 * only: nothing outside it can be read.
 */
export async function sendDeliverable(db: Db, node: NodeApiNode, req: FastifyRequest, reply: FastifyReply, where: { downloadId: string } | { id: number }) {
  const d = await db.deliverable.findFirst({ where });
  if (!d) return notFound(reply, "No such file");
  if (d.nodeName !== node.name) return notFound(reply, `This file is stored on node ${d.nodeName}`);
  await createAuditEvent(db, {
    actor: req.caller.actor,
    action: "files.download",
    objectType: "files",
    objectId: d.id,
    after: { run: d.jobInstanceId, name: d.originalName, node: node.name },
  });
  // The console's download headers: a deliverable is never rendered, even opened from the node's URL.
  return reply
    .headers(DOWNLOAD_HEADERS)
    .header("content-disposition", contentDisposition(safeFileName(d.originalName, `file-${d.id}`)))
    .type(deliverableContentType(d.originalName))
    .sendFile(d.storedPath, node.deliverablesDir, { contentType: false, cacheControl: false });
}

/** Streams a run's stdout or stderr from this node's log directory. */
export async function sendRunLog(db: Db, node: NodeApiNode, req: FastifyRequest, reply: FastifyReply, id: number, stream: "stdout" | "stderr") {
  const run =
    (await db.jobInstance.findUnique({ where: { id }, select: { node: { select: { name: true } } } }).then((r) => (r ? { nodeName: r.node?.name ?? null } : null))) ??
    (await db.history.findUnique({ where: { id }, select: { nodeName: true } }));
  if (!run) return notFound(reply, `No run with id ${id}`);
  if (run.nodeName !== node.name) return notFound(reply, run.nodeName ? `Run ${id} ran on node ${run.nodeName}` : `Run ${id} has not started`);
  const file = runLogFiles(node.logDir, id)[stream];
  if (!(await stat(file).catch(() => null))) return notFound(reply, `No ${stream} log for run ${id}`);
  const range = req.headers.range;
  await auditLogRead(db, { actor: req.caller.actor, node: node.name, log: "run", runId: id, stream, whole: !range, ...(range ? { range } : {}) });
  return reply
    .header("content-disposition", contentDisposition(`${id}.${stream}.txt`))
    .header("x-content-type-options", "nosniff")
    .type("text/plain; charset=utf-8")
    .sendFile(file.slice(node.logDir.length + 1), node.logDir);
}
