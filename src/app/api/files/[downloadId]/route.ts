import { db } from "~/server/db";
import { downloadCaller, serveDeliverable } from "~/app/api/_lib/downloads";

export const dynamic = "force-dynamic";

/**
 * A run's deliverable by its 128-bit random download id (files:read), from the node's deliverables
 * directory when it is on this machine, else through that node's API. Audited as `files.download`.
 */
export async function GET(req: Request, { params }: { params: Promise<{ downloadId: string }> }) {
  const caller = await downloadCaller(req);
  const { downloadId } = await params;
  return serveDeliverable(db, caller, downloadId);
}
