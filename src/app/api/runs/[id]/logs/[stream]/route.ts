import { create as contentDisposition } from "content-disposition";
import { db } from "~/server/db";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { DOWNLOAD_HEADERS, downloadActor, downloadError, fileStream, locateNodeFile, runLogFiles, safeFileName } from "~/server/services/runs/run-files";

export const dynamic = "force-dynamic";

/** The most bytes `?tail=` returns. */
const MAX_TAIL = 1024 * 1024;

/**
 * A run's stdout or stderr, read from the log directory of the node that ran it (logs:read).
 * `?tail=<bytes>`: the last bytes only, inline, for the console's viewer (not audited: it polls);
 * otherwise the whole log as an attachment `<id>.<stream>.txt`, audited as `logs.download`.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; stream: string }> }) {
  const actor = await downloadActor(req, "logs:read");
  if (actor instanceof Response) return actor;
  const { id: rawId, stream } = await params;
  if (!/^[1-9]\d{0,9}$/.test(rawId) || Number(rawId) > 2_147_483_647) return downloadError(400, "The run id must be a positive integer");
  if (stream !== "stdout" && stream !== "stderr") return downloadError(400, "The stream must be stdout or stderr");
  const id = Number(rawId);
  const rawTail = new URL(req.url).searchParams.get("tail");
  let tail: number | null = null;
  if (rawTail !== null) {
    if (!/^\d{1,8}$/.test(rawTail) || Number(rawTail) < 1 || Number(rawTail) > MAX_TAIL) {
      return downloadError(400, `tail must be a number of bytes between 1 and ${MAX_TAIL}`);
    }
    tail = Number(rawTail);
  }

  const live = await db.jobInstance.findUnique({ where: { id }, select: { node: { select: { name: true } } } });
  const run = live ? { nodeName: live.node?.name ?? null } : await db.history.findUnique({ where: { id }, select: { nodeName: true } });
  if (!run) return downloadError(404, `No run with id ${id}`);
  if (!run.nodeName) return downloadError(404, `Run ${id} has not been started by a node: it has no log`);
  const node = await db.node.findUnique({ where: { name: run.nodeName }, select: { name: true, logDir: true } });
  if (!node) return downloadError(404, `Run ${id} ran on node ${run.nodeName}, which no longer exists`);

  const file = runLogFiles(node.logDir, id)[stream];
  const found = await locateNodeFile(node.name, node.logDir, file, `No ${stream} log for run ${id}`);
  if (!found.ok) return found.response;

  if (tail !== null) {
    const start = Math.max(0, found.size - tail);
    return new Response(fileStream(found.path, start, found.size), {
      headers: {
        ...DOWNLOAD_HEADERS,
        "content-type": "text/plain; charset=utf-8",
        "content-length": String(found.size - start),
        "x-log-size": String(found.size),
        "x-log-start": String(start),
      },
    });
  }
  await createAuditEvent(db, { actor, action: "logs.download", objectType: "logs", objectId: id, after: { stream, node: node.name } });
  return new Response(fileStream(found.path, 0, found.size), {
    headers: {
      ...DOWNLOAD_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(found.size),
      "content-disposition": contentDisposition(safeFileName(`${id}.${stream}.txt`, `${id}.log.txt`)),
    },
  });
}
