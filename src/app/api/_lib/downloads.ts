import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { create as contentDisposition } from "content-disposition";
import type { Response as NodeResponse } from "undici";
import { getCurrentPrincipal } from "~/server/auth/config";
import { clientAddress } from "~/server/auth/client-address";
import type { Db } from "~/server/db";
import { APP_ERROR_STATUS, AppError } from "~/server/services/errors";
import { nodeApiFetch, nodeFailure } from "~/server/services/nodes/node-api-client";
import {
  DOWNLOAD_HEADERS,
  type DownloadCaller,
  type FileLocation,
  type LogReadPart,
  authorizeDownload,
  findDeliverableDownload,
  findRunLogDownload,
  parseRunLogRequest,
} from "~/server/services/runs/downloads";

/**
 * The console's download answers (GET /api/files/<downloadId>, GET /api/runs/<id>/logs/<stream>):
 * the service (services/runs/downloads.ts) finds, authorises and audits; this streams the file from
 * this machine's disk or from the node's API.
 */

const TEXT = "text/plain; charset=utf-8";

const CODE_OF_STATUS: Record<number, string> = Object.fromEntries(Object.entries(APP_ERROR_STATUS).map(([code, status]) => [status, code]));

/** A JSON error answer of the download routes. */
function downloadError(status: number, message: string) {
  return Response.json({ error: CODE_OF_STATUS[status], message }, { status, headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" } });
}

/** Runs `answer`; a service's refusal (AppError: 400, 401, 403, 404, 502, 504) becomes its JSON error answer. */
async function answering(answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (err) {
    if (err instanceof AppError) return downloadError(APP_ERROR_STATUS[err.code], err.message);
    throw err;
  }
}

/** The signed-in user and where the request comes from. */
export async function downloadCaller(req: Request): Promise<DownloadCaller> {
  return { principal: await getCurrentPrincipal(), fromAddress: clientAddress(req.headers), userAgent: req.headers.get("user-agent") };
}

/** Streams bytes [start, size) of a file (a snapshot of its size: a growing log stays consistent). */
function fileStream(path: string, start: number, size: number): BodyInit {
  if (size <= start) return "";
  return Readable.toWeb(createReadStream(path, { start, end: size - 1 })) as ReadableStream<Uint8Array>;
}

/** Only the node's body and length travel on: type and file name are the console's own. */
const nodeBody = (res: NodeResponse) => res.body as unknown as ReadableStream<Uint8Array> | null;
const nodeLength = (res: NodeResponse): Record<string, string> => {
  const length = res.headers.get("content-length");
  return length && /^\d{1,15}$/.test(length) ? { "content-length": length } : {};
};

/** The node's failure answer: its 404 stays a 404, its 403 a 403, anything else is a 502 naming the node. */
async function failedAnswer(nodeName: string, res: NodeResponse) {
  const { status, message } = await nodeFailure(nodeName, res);
  return downloadError(status, message);
}

/** Drops the first `skip` bytes of a stream. */
function skipBytes(body: ReadableStream<Uint8Array>, skip: number) {
  let left = skip;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (left >= chunk.length) {
          left -= chunk.length;
          return;
        }
        controller.enqueue(left > 0 ? chunk.subarray(left) : chunk);
        left = 0;
      },
    }),
  );
}

type OnNode = Extract<FileLocation, { where: "node" }>;

/**
 * A run's deliverable by its 128-bit random download id (files:read), read from the deliverables
 * directory of the node that stored it, or through that node's API when the directory is on
 * another host. Audited as `files.download`.
 */
export function serveDeliverable(db: Db, caller: DownloadCaller, downloadId: string): Promise<Response> {
  return answering(async () => {
    const { principal, actor } = authorizeDownload(caller, "files:read");
    const file = await findDeliverableDownload(db, actor, { downloadId });
    const headers = { ...DOWNLOAD_HEADERS, "content-type": file.contentType, "content-disposition": contentDisposition(file.fileName) };
    const { location } = file;
    if (location.where === "local") {
      await file.audit();
      return new Response(fileStream(location.path, 0, location.size), { headers: { ...headers, "content-length": String(location.size) } });
    }
    const res = await nodeApiFetch(db, { nodeName: location.nodeName, path: location.nodePath, principal, scopes: ["files:read"], actor });
    if (res.status !== 200) return failedAnswer(location.nodeName, res);
    await file.audit("node-api");
    return new Response(nodeBody(res), { headers: { ...headers, ...nodeLength(res) } });
  });
}

/**
 * A run's stdout or stderr (logs:read), from the log directory of the node that ran it or through
 * that node's API. `tail`: the last bytes only, inline, for the console's viewer, with `x-log-size`
 * (the whole log) and `x-log-start` (offset of the first byte sent), audited as `logs.read` on the
 * user's first read (see auditLogRead: the viewer polls); otherwise the whole log as an attachment
 * `<id>.<stream>.txt`, audited as `logs.download`.
 */
export function serveRunLog(db: Db, caller: DownloadCaller, raw: { id: string; stream: string; tail: string | null }): Promise<Response> {
  return answering(async () => {
    const { principal, actor } = authorizeDownload(caller, "logs:read");
    const request = parseRunLogRequest(raw);
    const { tail } = request;
    const log = await findRunLogDownload(db, actor, request);
    const part: LogReadPart = tail === null ? { whole: true } : { whole: false, tail };
    const tailHeaders = (size: number, start: number) => ({
      ...DOWNLOAD_HEADERS,
      "content-type": TEXT,
      "content-length": String(size - start),
      "x-log-size": String(size),
      "x-log-start": String(start),
    });
    const downloadHeaders = { ...DOWNLOAD_HEADERS, "content-type": TEXT, "content-disposition": contentDisposition(log.fileName) };
    const { location } = log;

    if (location.where === "local") {
      await log.audit(part);
      if (tail !== null) {
        const start = Math.max(0, location.size - tail);
        return new Response(fileStream(location.path, start, location.size), { headers: tailHeaders(location.size, start) });
      }
      return new Response(fileStream(location.path, 0, location.size), { headers: { ...downloadHeaders, "content-length": String(location.size) } });
    }

    const get = (range?: string) =>
      nodeApiFetch(db, { nodeName: location.nodeName, path: location.nodePath, principal, scopes: ["logs:read"], actor, headers: range ? { range } : {} });
    if (tail === null) {
      const res = await get();
      if (res.status !== 200) return failedAnswer(location.nodeName, res);
      await log.audit(part, "node-api");
      return new Response(nodeBody(res), { headers: { ...downloadHeaders, ...nodeLength(res) } });
    }
    let res = await get(`bytes=-${tail}`);
    // @fastify/send answers 416 to a suffix range longer than the file (and to any range of an empty
    // file) where RFC 9110 asks for the whole file. A short log is asked for as `bytes=0-` (still a
    // partial read, audited once per follower, where a whole download is audited on every call); a
    // log for which even that is unsatisfiable is empty.
    if (res.status === 416) {
      await res.body?.cancel();
      res = await get("bytes=0-");
      if (res.status === 416) {
        await res.body?.cancel();
        await log.audit(part, "node-api");
        return new Response("", { headers: tailHeaders(0, 0) });
      }
    }
    const answer = await nodeTail(location, res, tail, tailHeaders);
    // The node has already audited this read as the same user: this adds a row only if it did not.
    if (answer.status === 200) await log.audit(part, "node-api");
    return answer;
  });
}

/** Maps the node's answer to `Range: bytes=-tail` to the viewer's x-log-size / x-log-start. */
async function nodeTail({ nodeName }: OnNode, res: NodeResponse, tail: number, headers: (size: number, start: number) => Record<string, string>) {
  const range = res.headers.get("content-range") ?? "";
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!m) {
      await res.body?.cancel();
      return downloadError(502, `Node ${nodeName} answered a log range without a valid Content-Range`);
    }
    const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return new Response(nodeBody(res), { headers: { ...headers(size, start), "content-length": String(end - start + 1) } });
  }
  if (res.status === 200) {
    const length = res.headers.get("content-length");
    const body = nodeBody(res);
    if (!length || !/^\d{1,15}$/.test(length) || !body) {
      await res.body?.cancel();
      return downloadError(502, `Node ${nodeName} ignored the log range and sent no length`);
    }
    const size = Number(length);
    const start = Math.max(0, size - tail);
    return new Response(skipBytes(body, start), { headers: headers(size, start) });
  }
  return failedAnswer(nodeName, res);
}
