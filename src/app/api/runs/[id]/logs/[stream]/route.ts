import { db } from "~/server/db";
import { downloadCaller, serveRunLog } from "~/app/api/_lib/downloads";

export const dynamic = "force-dynamic";

/**
 * A run's stdout or stderr (logs:read), from the node's log directory when it is on this machine,
 * else through that node's API. `?tail=<bytes>`: the last bytes, inline, for the console's viewer
 * (audited as `logs.read` on the user's first read); otherwise the whole log as an attachment,
 * audited as `logs.download`.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; stream: string }> }) {
  const caller = await downloadCaller(req);
  const { id, stream } = await params;
  return serveRunLog(db, caller, { id, stream, tail: new URL(req.url).searchParams.get("tail") });
}
