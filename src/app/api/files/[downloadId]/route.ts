import { create as contentDisposition } from "content-disposition";
import { db } from "~/server/db";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { DOWNLOAD_HEADERS, downloadActor, downloadError, fileStream, locateNodeFile, safeFileName } from "~/server/services/runs/run-files";

export const dynamic = "force-dynamic";

/**
 * A run's deliverable by its 128-bit random download id (files:read), read from the deliverables
 * directory of the node that stored it. Audited as `files.download`.
 */
export async function GET(req: Request, { params }: { params: Promise<{ downloadId: string }> }) {
  const actor = await downloadActor(req, "files:read");
  if (actor instanceof Response) return actor;
  const { downloadId } = await params;
  if (!/^[0-9a-fA-F]{32}$/.test(downloadId)) return downloadError(400, "A download id is 32 hexadecimal characters");

  const d = await db.deliverable.findUnique({ where: { downloadId: downloadId.toLowerCase() } });
  if (!d) return downloadError(404, "No such file");
  const node = await db.node.findUnique({ where: { name: d.nodeName }, select: { name: true, deliverablesDir: true } });
  if (!node) return downloadError(404, `The file was stored on node ${d.nodeName}, which no longer exists`);
  const found = await locateNodeFile(node.name, node.deliverablesDir, d.storedPath, `The file ${d.originalName} of run ${d.jobInstanceId} is missing on node ${node.name}`);
  if (!found.ok) return found.response;

  await createAuditEvent(db, {
    actor,
    action: "files.download",
    objectType: "files",
    objectId: d.id,
    after: { run: d.jobInstanceId, name: d.originalName, node: node.name },
  });
  return new Response(fileStream(found.path, 0, found.size), {
    headers: {
      ...DOWNLOAD_HEADERS,
      "content-type": "application/octet-stream",
      "content-length": String(found.size),
      "content-disposition": contentDisposition(safeFileName(d.originalName, `file-${d.id}`)),
    },
  });
}
