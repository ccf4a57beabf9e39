import { relative } from "node:path";
import { create as contentDisposition } from "content-disposition";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "~/server/db";
import { DOWNLOAD_HEADERS, type FileLocation, findDeliverableDownload, findRunLogDownload } from "~/server/services/runs/downloads";
import type { NodeApiNode } from "./types";

/** Streams a located file with @fastify/send (HTTP Range supported), confined to its directory. */
function sendLocal(reply: FastifyReply, location: FileLocation, options?: { contentType: false; cacheControl: false }) {
  // A node serves only files of its own directories: findDeliverableDownload / findRunLogDownload never answer `node` for it.
  if (location.where !== "local") throw new Error("a node API can only send files of its own directories");
  return reply.sendFile(relative(location.root, location.path), location.root, options);
}

/**
 * Streams a deliverable of this node by its 128-bit random download id or its id. The stored path
 * comes from the database and is resolved inside deliverablesDir only (downloads.ts): nothing
 * outside it can be read.
 */
export async function sendDeliverable(db: Db, node: NodeApiNode, req: FastifyRequest, reply: FastifyReply, file: { downloadId: string } | { id: number }) {
  const download = await findDeliverableDownload(db, req.caller.actor, file, node);
  await download.audit();
  // The console's download headers: a deliverable is never rendered, even opened from the node's URL.
  return sendLocal(reply.headers(DOWNLOAD_HEADERS).header("content-disposition", contentDisposition(download.fileName)).type(download.contentType), download.location, {
    contentType: false,
    cacheControl: false,
  });
}

/** Streams a run's stdout or stderr from this node's log directory; a Range read is audited once per follower. */
export async function sendRunLog(db: Db, node: NodeApiNode, req: FastifyRequest, reply: FastifyReply, id: number, stream: "stdout" | "stderr") {
  const log = await findRunLogDownload(db, req.caller.actor, { id, stream }, node);
  const range = req.headers.range;
  await log.audit(range ? { whole: false, range } : { whole: true });
  return sendLocal(reply.header("content-disposition", contentDisposition(log.fileName)).header("x-content-type-options", "nosniff").type("text/plain; charset=utf-8"), log.location);
}
